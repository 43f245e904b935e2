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

#endif
