# DMA engines behind drivers/dma.h: one object per line.
DRIVERS_OBJS := drivers/dma.o
DRIVERS_OBJS += drivers/edu.o
DRIVERS_OBJS += drivers/xhci.o
