// Flushing a file or directory to stable storage, so a saved index survives a crash.
#pragma once

#include <string>

namespace dfaiss {

// fsync(2) on a file or a directory; throws io_error naming the path and errno text.
void sync_path(const std::string& path);

} // namespace dfaiss
