/* Names of the errno values the project returns. */
#include "lib/errno.h"

const char *strerror_k(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EPERM:
		return "operation not permitted";
	case ENOENT:
		return "not found";
	case EIO:
		return "I/O error";
	case E2BIG:
		return "too big";
	case ENOMEM:
		return "out of memory";
	case EFAULT:
		return "bad address";
	case EBUSY:
		return "busy";
	case EEXIST:
		return "already exists";
	case ENODEV:
		return "no such device";
	case EINVAL:
		return "invalid argument";
	case ENOSPC:
		return "no space left";
	case ERANGE:
		return "out of range";
	case ENOSYS:
		return "not implemented";
	case EBADMSG:
		return "malformed data";
	case EOVERFLOW:
		return "overflow";
	case EOPNOTSUPP:
		return "not supported by the hardware";
	case ETIMEDOUT:
		return "timed out";
	default:
		return "unknown error";
	}
}
