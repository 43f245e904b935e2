/* What the host stand-ins for hardware recorded (fake_hw.c). */
#ifndef TESTS_HOST_FAKE_HW_H
#define TESTS_HOST_FAKE_HW_H

struct fake_hw {
	long pages; /* allocated and not freed */
	unsigned flushes, wbinvd, last_iotlb_gran;
};

extern struct fake_hw fake_hw;

#endif
