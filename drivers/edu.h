/* QEMU's edu test device (1234:11e8, QEMU docs/specs/edu.txt) as a DMA
 * engine: device memory is its 4 KiB buffer at device address 0x40000,
 * moved to or from an IOVA by one command. Each transfer completes 100 ms
 * of virtual time after it starts. */
#ifndef DRIVERS_EDU_H
#define DRIVERS_EDU_H

#include "drivers/dma.h"

#define EDU_VENDOR   0x1234
#define EDU_DEVICE   0x11e8
#define EDU_BUF_SIZE 4096

/* Find every edu device, map its BAR, turn bus mastering and MSI on, and
 * register it as a DMA engine named "eduN". @dma_bits is the width of the
 * devices' dma_mask (QEMU's default is 28: wider addresses are silently
 * masked by the device); it is clamped to 64. Returns how many. */
unsigned edu_probe(unsigned dma_bits);
unsigned edu_count(void);
/* Raise the device's interrupt with @status (its register 0x60): an MSI
 * as programmed in its capability, at once, without DMA. -EINVAL for an
 * engine that is not an edu or a zero status. */
int edu_raise_irq(struct dma_engine *d, u32 status);
/* Acknowledge every edu's pending interrupt status (for a handler on a
 * vector other than VEC_EDU). */
void edu_irq_ack_all(void);

#endif
