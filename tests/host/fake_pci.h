/* A fake PCI configuration space for dmar_resolve() on the host: the
 * functions listed answer, nothing else does. */
#ifndef TESTS_HOST_FAKE_PCI_H
#define TESTS_HOST_FAKE_PCI_H

#include <stddef.h>
#include "lib/types.h"

struct fake_fn {
	u16 seg;
	u8 bus, dev, fn;
	u8 hdr_type, sec, sub; /* hdr_type 1: a bridge */
};

struct fake_pci {
	const struct fake_fn *fns;
	size_t nr;
};

/* A dmar_cfg_read_fn over the struct fake_pci at @ctx. */
u32 fake_cfg_read(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u16 off);

#endif
