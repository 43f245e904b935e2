/* Suite pci: configuration space, enumeration, the lane's edu devices. */
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pci.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"

#define EDU_VENDOR	 0x1234
#define EDU_DEVICE	 0x11e8
#define EDU_REG_ID	 0x00
#define EDU_REG_LIVENESS 0x04

TEST(pci, host_bridge_answers)
{
	ASSERT_OK(kstate.pci_err);
	test_diag("config access through %s", pci_access_method());
	EXPECT_NE(pci_read(0, 0, 0, PCI_VENDOR_ID, 2), 0xffff);
}

/* Where both mechanisms exist, ECAM and 0xcf8 must agree. */
TEST(pci, config_space_reads_back)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	ASSERT_OK(kstate.pci_err);
	for (unsigned i = 0; i < n; i++) {
		struct pci_dev *d = &devs[i];
		u8 saved = (u8)pci_dev_read(d, 0x3c, 1); /* interrupt line */
		pci_dev_write(d, 0x3c, 1, 0x5a);
		EXPECT_EQ(pci_dev_read(d, 0x3c, 1), 0x5a);
		pci_dev_write(d, 0x3c, 1, saved);
		if (d->bus == 0 && d->seg == 0) {
			u32 cf8;
			outl(0xcf8, 0x80000000u | (u32)d->devfn << 8);
			cf8 = inl(0xcfc);
			EXPECT_EQ(cf8, pci_dev_read(d, 0, 4));
		}
	}
}

TEST(pci, edu_devices_found)
{
	unsigned n = 0;

	while (pci_find(EDU_VENDOR, EDU_DEVICE, n))
		n++;
	test_diag("%u edu device(s)", n);
	if (kstate.opts.expect_edu < 0)
		test_skip("no expect_edu= on the command line; found %u", n);
	EXPECT_EQ(n, (unsigned)kstate.opts.expect_edu);
}

TEST(pci, edu_bar0_mapped_and_alive)
{
	struct pci_dev *d = pci_find(EDU_VENDOR, EDU_DEVICE, 0);
	volatile u32 *bar;

	if (!d)
		test_skip("no edu device on this machine");
	bar = pci_map_bar(d, 0);
	ASSERT_TRUE(bar != NULL);
	test_diag("edu at %02x:%02x.%u, BAR0 0x%lx size 0x%lx", d->bus,
		  d->devfn >> 3, d->devfn & 7, d->bar[0].base, d->bar[0].size);
	/* docs/specs/edu.txt: 0x00 reads 0xRRrr00ed; 0x04 returns ~value. */
	EXPECT_EQ(bar[EDU_REG_ID / 4] & 0xff, 0xed);
	bar[EDU_REG_LIVENESS / 4] = 0x12345678;
	EXPECT_EQ(bar[EDU_REG_LIVENESS / 4], ~0x12345678u);
}

TEST(pci, bridges_lead_to_their_buses)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs), bridges = 0;

	for (unsigned i = 0; i < n; i++) {
		if ((devs[i].header_type & 0x7f) != 1)
			continue;
		bridges++;
		EXPECT_GT(devs[i].sec_bus, devs[i].bus);
		EXPECT_GE(devs[i].sub_bus, devs[i].sec_bus);
	}
	if (!bridges)
		test_skip("no PCI-to-PCI bridge on this machine");
}

/* A PCI configuration space in RAM whose function resets on D3hot -> D0
 * unless PMCSR.No_Soft_Reset (PCI PM 1.2, 5.6.1). */
#define FC_PM	 0x40
#define FC_PMCSR (FC_PM + 4)

struct fake_cfg {
	u8 b[256];
	unsigned writes;
};

static u32 fc_rd(void *ctx, u16 off, unsigned size)
{
	struct fake_cfg *c = ctx;
	u32 v = 0;

	memcpy(&v, &c->b[off], size);
	return v;
}

static void fc_wr(void *ctx, u16 off, unsigned size, u32 v)
{
	struct fake_cfg *c = ctx;
	u32 old = fc_rd(c, FC_PMCSR, 2);

	c->writes++;
	memcpy(&c->b[off], &v, size);
	if (off != FC_PMCSR || (v & 3) || (old & 3) != 3 || (old & BIT(3)))
		return;
	memset(&c->b[PCI_BAR0], 0, 24);
	memset(&c->b[PCI_COMMAND], 0, 2);
	c->b[PCI_CACHE_LINE_SIZE] = c->b[PCI_LATENCY_TIMER] = 0;
	c->b[PCI_INTERRUPT_LINE] = 0;
}

static void fc_init(struct fake_cfg *c, u16 pmcsr)
{
	u32 bar0 = 0xfebf0004, cmd = 0x0406, pm = pmcsr;

	memset(c, 0, sizeof(*c));
	memcpy(&c->b[PCI_BAR0], &bar0, 4);
	memcpy(&c->b[PCI_COMMAND], &cmd, 2);
	c->b[PCI_CACHE_LINE_SIZE] = 0x10;
	c->b[PCI_LATENCY_TIMER] = 0x20;
	c->b[PCI_INTERRUPT_LINE] = 0x0b;
	memcpy(&c->b[FC_PMCSR], &pm, 2);
}

/* No emulator here parks a device in D3hot: pci_pm_to_d0 runs against
 * the fake configuration space. */
TEST(pci, d3hot_reset_restores_bars_and_command)
{
	struct fake_cfg c, want;
	struct pci_cfg io = { fc_rd, fc_wr, &c };
	bool restored;

	fc_init(&c, 3);
	fc_init(&want, 0);
	EXPECT_EQ(pci_pm_to_d0(&io, FC_PM, &restored), 3);
	EXPECT_TRUE(restored);
	EXPECT_MEMEQ(c.b, want.b, sizeof(c.b));

	fc_init(&c, 3 | BIT(3)); /* No_Soft_Reset: nothing lost */
	fc_init(&want, BIT(3));
	EXPECT_EQ(pci_pm_to_d0(&io, FC_PM, &restored), 3);
	EXPECT_FALSE(restored);
	EXPECT_EQ(c.writes, 1);
	EXPECT_MEMEQ(c.b, want.b, sizeof(c.b));

	fc_init(&c, 0);
	EXPECT_EQ(pci_pm_to_d0(&io, FC_PM, &restored), 0);
	EXPECT_EQ(c.writes, 0);
}
