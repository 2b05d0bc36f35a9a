// Preloaded into the AddressSanitizer test runs (CMakePresets.json, test preset "asan"): dlclose
// does nothing, so the shared objects Open MPI loads and unloads stay mapped until the process
// exits and LeakSanitizer can still name the library of each frame. Without it, the allocations
// Open MPI's components never free show as "<unknown module>" and cannot be told apart from ours.
// Built without sanitizers: it is also preloaded into the Node, Python and Chromium peers.
extern "C" int dlclose(void* /*handle*/) { return 0; }
