/* edu DMA. Registers (hw/misc/edu.c): 0x80 source, 0x88 destination,
 * 0x90 count, 0x98 command: bit 0 start (reads 1 while busy), bit 1
 * direction (1: device to RAM), bit 2 interrupt when done. The device
 * aborts QEMU when a transfer leaves its buffer, so that is checked here. */
#include "drivers/edu.h"
#include "arch/x86/pci.h"
#include "arch/x86/apic.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "arch/x86/console.h"
#include "lib/printf.h"

#define EDU_REG_SRC	   0x80
#define EDU_REG_DST	   0x88
#define EDU_REG_CNT	   0x90
#define EDU_REG_CMD	   0x98
#define EDU_CMD_START	   BIT(0)
#define EDU_CMD_TO_RAM	   BIT(1)
#define EDU_CMD_IRQ	   BIT(2)
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE  0x60
#define EDU_REG_IRQ_ACK	   0x64
#define EDU_MAX		   4
#define EDU_BUF_ADDR	   0x40000
/* Far more than the 100 ms of virtual time a transfer takes. */
#define EDU_TIMEOUT_US 2000000

struct edu {
	volatile u8 *bar;
	bool msi;	/* completion interrupt through MSI */
	bool irq_armed; /* the running transfer is ours, and interrupts */
};

static const struct dma_ops edu_ops;
static struct edu edus[EDU_MAX];
static struct dma_engine engines[EDU_MAX];
static unsigned nr_edus;

/* Completion interrupt (MSI): acknowledge every edu that raised one; the
 * waiter only needs to be woken from HLT. */
void edu_irq_ack_all(void)
{
	for (unsigned i = 0; i < nr_edus; i++) {
		u32 v = *(volatile u32 *)(edus[i].bar + EDU_REG_IRQ_STATUS);
		if (v)
			*(volatile u32 *)(edus[i].bar + EDU_REG_IRQ_ACK) = v;
	}
}

static void on_edu_irq(struct trap_frame *f, void *ctx)
{
	edu_irq_ack_all();
}

int edu_raise_irq(struct dma_engine *d, u32 status)
{
	if (d->ops != &edu_ops || !status)
		return -EINVAL;
	struct edu *e = d->priv;
	*(volatile u32 *)(e->bar + EDU_REG_IRQ_RAISE) = status;
	return 0;
}

unsigned edu_count(void)
{
	return nr_edus;
}

static void wr64(const struct edu *e, u32 reg, u64 v)
{
	*(volatile u64 *)(e->bar + reg) = v;
}

/* Wait for the running transfer to end. One this driver started with its
 * completion interrupt (@irq) is waited for halted: the interrupts are
 * disabled while the command register is tested, so that a completion
 * after the test stays pending and ends the halt at once. One someone else
 * started (a guest driving the BAR) raises nothing: it is polled, halting
 * between polls (tsc.h). Either way the transfer ends on QEMU's
 * virtual-time timer, which a halted machine reaches without spending
 * wall time. */
static int wait_done(const struct edu *e, bool irq)
{
	volatile u32 *c = (volatile u32 *)(e->bar + EDU_REG_CMD);

	return WAIT_FOR_IRQ(!(*c & EDU_CMD_START), EDU_TIMEOUT_US, irq);
}

static int edu_wait_idle(struct edu *e)
{
	int err = wait_done(e, e->irq_armed);

	e->irq_armed = false;
	return err;
}

static int start(struct edu *e, u64 src, u64 dst, u32 len, u32 cmd)
{
	volatile u32 *c = (volatile u32 *)(e->bar + EDU_REG_CMD);

	if (*c & EDU_CMD_START)
		return -EBUSY;
	wr64(e, EDU_REG_SRC, src);
	wr64(e, EDU_REG_DST, dst);
	wr64(e, EDU_REG_CNT, len);
	e->irq_armed = e->msi;
	*c = cmd | EDU_CMD_START | (e->msi ? EDU_CMD_IRQ : 0);
	return 0;
}

static int run(struct edu *e, u64 src, u64 dst, u32 len, u32 cmd)
{
	int err = start(e, src, dst, len, cmd);

	return err ? err : edu_wait_idle(e);
}

/* QEMU 7.2 edu_check_range() rejects a transfer that reaches the buffer's
 * last byte (an off-by-one: 4096 bytes from 0x40000 abort QEMU), so 4095
 * bytes are usable. */
static bool in_buffer(u32 off, u32 len)
{
	return len && off < EDU_BUF_SIZE - 1 && len <= EDU_BUF_SIZE - 1 - off;
}

static int edu_write(struct dma_engine *d, u32 off, iova_t iova, u32 len)
{
	if (!in_buffer(off, len))
		return -EINVAL;
	return run(d->priv, EDU_BUF_ADDR + off, iova, len, EDU_CMD_TO_RAM);
}

static int edu_write_start(struct dma_engine *d, u32 off, iova_t iova, u32 len)
{
	if (!in_buffer(off, len))
		return -EINVAL;
	return start(d->priv, EDU_BUF_ADDR + off, iova, len, EDU_CMD_TO_RAM);
}

static int edu_read(struct dma_engine *d, iova_t iova, u32 off, u32 len)
{
	if (!in_buffer(off, len))
		return -EINVAL;
	return run(d->priv, iova, EDU_BUF_ADDR + off, len, 0);
}

static int edu_quiesce(struct dma_engine *d)
{
	return edu_wait_idle(d->priv);
}

static int edu_raise_op(struct dma_engine *d)
{
	return edu_raise_irq(d, 1);
}

static void edu_ack_op(struct dma_engine *d)
{
	edu_irq_ack_all();
}

static const struct dma_ops edu_ops = { .read = edu_read,
					.write = edu_write,
					.write_start = edu_write_start,
					.quiesce = edu_quiesce,
					.raise_irq = edu_raise_op,
					.irq_ack = edu_ack_op };

static int edu_open(unsigned i, struct pci_dev *pci, unsigned dma_bits)
{
	struct edu *e = &edus[i];
	struct dma_engine *d = &engines[i];

	e->bar = pci_map_bar(pci, 0);
	if (!e->bar)
		return -ENOMEM;
	pci_set_master(pci, true);
	e->msi = pci_msi_enable(pci, VEC_EDU) == 0;
	ksnprintf(d->name, sizeof(d->name), "edu%u", i);
	d->kind = "edu";
	d->pci = pci;
	d->sid = PCI_BDF(pci->bus, pci->devfn);
	d->vector = e->msi ? VEC_EDU : 0;
	d->mem_size = EDU_BUF_SIZE - 1; /* see in_buffer() */
	d->addr_bits = dma_bits > 64 ? 64 : dma_bits;
	d->ops = &edu_ops;
	d->priv = e;
	return dma_register(d) ? -ENOSPC : 0;
}

unsigned edu_probe(unsigned dma_bits)
{
	struct pci_dev *pci;

	trap_set_handler(VEC_EDU, on_edu_irq, NULL);
	while (nr_edus < EDU_MAX &&
	       (pci = pci_find(EDU_VENDOR, EDU_DEVICE, nr_edus))) {
		int err = edu_open(nr_edus, pci, dma_bits);
		if (err) {
			kprintf("# error: edu %02x:%02x.%u: %s\n", pci->bus,
				pci->devfn >> 3, pci->devfn & 7,
				strerror_k(err));
			break;
		}
		nr_edus++;
	}
	return nr_edus;
}
