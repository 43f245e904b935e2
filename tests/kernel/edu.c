/* edu DMA. Registers (hw/misc/edu.c): 0x80 source, 0x88 destination,
 * 0x90 count, 0x98 command: bit 0 start (reads 1 while busy), bit 1
 * direction (1: device to RAM), bit 2 interrupt when done. The device
 * aborts QEMU when a transfer leaves its buffer, so that is checked here. */
#include "tests/kernel/edu.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"

#define EDU_REG_SRC    0x80
#define EDU_REG_DST    0x88
#define EDU_REG_CNT    0x90
#define EDU_REG_CMD    0x98
#define EDU_CMD_START  BIT(0)
#define EDU_CMD_TO_RAM BIT(1)
#define EDU_BUF_ADDR   0x40000
/* Far more than the 100 ms of virtual time a transfer takes. */
#define EDU_TIMEOUT_US 2000000

unsigned edu_count(void)
{
	unsigned n = 0;

	while (pci_find(EDU_VENDOR, EDU_DEVICE, n))
		n++;
	return n;
}

int edu_open(struct edu *e, unsigned index)
{
	e->pci = pci_find(EDU_VENDOR, EDU_DEVICE, index);
	if (!e->pci)
		return -ENODEV;
	e->bar = pci_map_bar(e->pci, 0);
	if (!e->bar)
		return -ENOMEM;
	e->sid = (u16)(e->pci->bus << 8 | e->pci->devfn);
	pci_set_master(e->pci, true);
	return 0;
}

static void wr64(struct edu *e, u32 reg, u64 v)
{
	*(volatile u64 *)(e->bar + reg) = v;
}

static int run(struct edu *e, u64 src, u64 dst, u32 len, u32 cmd)
{
	volatile u32 *c = (volatile u32 *)(e->bar + EDU_REG_CMD);

	if (*c & EDU_CMD_START)
		return -EBUSY;
	wr64(e, EDU_REG_SRC, src);
	wr64(e, EDU_REG_DST, dst);
	wr64(e, EDU_REG_CNT, len);
	*c = cmd | EDU_CMD_START;
	return WAIT_FOR(!(*c & EDU_CMD_START), EDU_TIMEOUT_US);
}

/* QEMU 7.2 edu_check_range() rejects a transfer that reaches the buffer's
 * last byte (an off-by-one: 4096 bytes from 0x40000 abort QEMU), so 4095
 * bytes are usable. */
static bool in_buffer(u32 off, u32 len)
{
	return len && off < EDU_BUF_SIZE - 1 && len <= EDU_BUF_SIZE - 1 - off;
}

int edu_dma_to_ram(struct edu *e, u32 off, iova_t iova, u32 len)
{
	if (!in_buffer(off, len))
		return -EINVAL;
	return run(e, EDU_BUF_ADDR + off, iova, len, EDU_CMD_TO_RAM);
}

int edu_dma_from_ram(struct edu *e, iova_t iova, u32 off, u32 len)
{
	if (!in_buffer(off, len))
		return -EINVAL;
	return run(e, iova, EDU_BUF_ADDR + off, len, 0);
}
