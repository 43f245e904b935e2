/* The HPET's main counter, as a clock to measure the TSC against. */
#include "arch/x86/hpet.h"
#include "arch/x86/acpi.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"

int hpet_find(struct hpet *h)
{
	const struct acpi_header *t = acpi_find("HPET");
	u64 cap, cfg;

	memset(h, 0, sizeof(*h));
	if (!t)
		return -ENODEV;
	if (t->length < ACPI_HPET_MIN_LEN)
		return -EINVAL;
	memcpy(&h->pa, (const u8 *)t + ACPI_HPET_BASE, sizeof(h->pa));
	if (!h->pa)
		return -ENODEV;
	h->regs = mm_map(h->pa, PAGE_SIZE, CACHE_UC);
	if (!h->regs)
		return -ENOMEM;
	cap = *(volatile u64 *)(h->regs + HPET_REG_CAP);
	h->period_fs = cap >> HPET_CAP_PERIOD_SHIFT;
	h->wide = cap & HPET_CAP_64BIT;
	if (!h->period_fs || h->period_fs > HPET_MAX_PERIOD_FS)
		return -EINVAL;
	cfg = *(volatile u64 *)(h->regs + HPET_REG_CONFIG);
	if (!(cfg & HPET_CONFIG_ENABLE))
		*(volatile u64 *)(h->regs +
				  HPET_REG_CONFIG) = cfg | HPET_CONFIG_ENABLE;
	return 0;
}

u64 hpet_counter(const struct hpet *h)
{
	return *(volatile u64 *)(h->regs + HPET_REG_COUNTER);
}
