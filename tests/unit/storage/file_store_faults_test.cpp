// The file store under write faults: a full disk (simulated with RLIMIT_FSIZE, which makes
// write(2) fail with EFBIG past the limit exactly as ENOSPC does at a full disk) never leaves a
// half-written object or a visible temporary file, and the previous version stays readable.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include "storage/key_check.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::storage {
namespace {

namespace fs = std::filesystem;

/// Limit the size of files this process writes, restored on destruction.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
  bool ok_ = false;
};

TEST(FileStoreFaults, AFullDiskOnPutKeepsTheOldObjectAndLeavesNoPartialFile) {
  char tmpl[] = "/tmp/cosmicai-store-faults-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  auto store = open_object_store("file://" + dir).value();
  const std::string old_value = R"({"rank":3,"samples":64})";
  ASSERT_TRUE(store->put("b", "res/3.json", old_value).ok());
  const std::string big(1 << 20, 'x');
  Status st;
  {
    FileSizeLimit limit(64 * 1024);
    ASSERT_TRUE(limit.ok());
    st = store->put("b", "res/3.json", big);
  }
  ASSERT_FALSE(st.ok()) << "a 1 MiB write under a 64 KiB file size limit succeeded";
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_NE(st.error().message.find("res/3.json"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("write failed"), std::string::npos) << st.error().message;
  EXPECT_EQ(store->get("b", "res/3.json").value(), old_value);  // never half-written
  // No temporary file is left behind, and a listing shows only the one object.
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_NE(e.path().filename().string().rfind(std::string(kTempPrefix), 0), 0u) << e.path();
  }
  const auto listed = store->list_all("b", "res/").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "res/3.json");
  // A new object that cannot be written does not appear at all.
  {
    FileSizeLimit limit(64 * 1024);
    EXPECT_FALSE(store->put("b", "res/4.json", big).ok());
  }
  EXPECT_FALSE(store->exists("b", "res/4.json").value());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cosmicai::storage
