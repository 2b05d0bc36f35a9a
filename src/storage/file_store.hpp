#pragma once
/// Local filesystem object store ("file:///ROOT"): bucket = directory under ROOT.
#include <filesystem>
#include <string>

#include "storage/object_store.hpp"

namespace cosmicai::storage {

/// Objects are regular files `ROOT/<bucket>/<key>`; keys may contain '/', which
/// become sub-directories. A put writes a temporary file in the target's
/// directory and renames it over the target (atomic on POSIX; no fsync), so a
/// concurrent reader sees the old or the new object, never a mix. Temporary
/// files are never listed. Listing walks the bucket directory, sorts the keys in
/// byte order and pages with the last returned key as continuation token.
/// Symbolic links to folders are followed, so a bucket may link to data kept
/// elsewhere (e.g. `cosmicai-data/tiny -> .../partitions/tiny`).
/// Unlike S3, a key cannot be both an object and a folder of objects ("a" and
/// "a/1"): the second put fails with an error naming the key.
/// All members are thread-safe (they share no mutable state).
class FileObjectStore final : public ObjectStore {
 public:
  /// `root` must be absolute; it need not exist yet (puts create directories).
  explicit FileObjectStore(std::filesystem::path root);

  Result<ListPage> list_page(std::string_view bucket, const ListRequest& request) const override;
  Result<std::string> get(std::string_view bucket, std::string_view key) const override;
  Result<std::string> get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                std::uint64_t length) const override;
  Status put(std::string_view bucket, std::string_view key, std::string_view data) override;
  Result<bool> exists(std::string_view bucket, std::string_view key) const override;
  Status remove(std::string_view bucket, std::string_view key) override;
  std::string uri() const override { return "file://" + root_.string(); }
  std::optional<std::string> local_path(std::string_view bucket, std::string_view key) const override;

  /// Return the root directory.
  const std::filesystem::path& root() const { return root_; }

 private:
  Result<std::filesystem::path> object_path(std::string_view bucket, std::string_view key) const;

  std::filesystem::path root_;
};

/// Open a file store rooted at `path` (made absolute against the working directory).
/// Fails if `path` exists and is not a directory.
Result<std::shared_ptr<ObjectStore>> open_file_store(const std::string& path);

}  // namespace cosmicai::storage
