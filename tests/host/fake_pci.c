/* The fake PCI configuration space of fake_pci.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/host/fake_pci.h"

u32 fake_cfg_read(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	const struct fake_pci *pci = ctx;

	assert_int_equal(off % 4, 0); /* the callback's contract */
	for (size_t i = 0; i < pci->nr; i++) {
		const struct fake_fn *f = &pci->fns[i];

		if (f->seg != seg || f->bus != bus || f->dev != dev ||
		    f->fn != fn)
			continue;
		if (off == 0x00)
			return 0x12348086; /* device 1234, vendor 8086 */
		if (off == 0x0c)
			return (u32)f->hdr_type << 16;
		if (off == 0x18)
			return (u32)f->sub << 16 | (u32)f->sec << 8 | bus;
		return 0;
	}
	return 0xffffffff;
}
