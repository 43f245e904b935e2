/* QEMU's edu test device as a DMA engine (QEMU docs/specs/edu.txt):
 * a 4 KiB device buffer at device address 0x40000, moved to or from an
 * IOVA by one command. Each transfer completes 100 ms of virtual time
 * after it starts. */
#ifndef TESTS_KERNEL_EDU_H
#define TESTS_KERNEL_EDU_H

#include "arch/x86/pci.h"

#define EDU_VENDOR   0x1234
#define EDU_DEVICE   0x11e8
#define EDU_BUF_SIZE 4096

struct edu {
	struct pci_dev *pci;
	volatile u8 *bar;
	u16 sid;
	bool msi; /* completion interrupt through MSI */
};

/* The @index'th edu device, BAR mapped, bus mastering on; -ENODEV. */
int edu_open(struct edu *e, unsigned index);
/* Device buffer [off, off+len) -> IOVA (a DMA write to memory). */
int edu_dma_to_ram(struct edu *e, u32 off, iova_t iova, u32 len);
/* IOVA -> device buffer [off, off+len) (a DMA read of memory). */
int edu_dma_from_ram(struct edu *e, iova_t iova, u32 off, u32 len);
unsigned edu_count(void);

#endif
