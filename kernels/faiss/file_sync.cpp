#include "file_sync.h"
#include "id_mapped_index.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dfaiss {

void sync_path(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw io_error("cannot open '" + path + "' to sync it: " + std::strerror(errno));
    }
    const int rc = ::fsync(fd);
    const int fsync_errno = errno;
    ::close(fd);
    if (rc != 0) {
        throw io_error("fsync of '" + path + "' failed: " + std::strerror(fsync_errno));
    }
}

} // namespace dfaiss
