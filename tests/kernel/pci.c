/* Suite pci: configuration space, enumeration, the lane's edu devices. */
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pci.h"
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
