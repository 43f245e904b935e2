# DMA-engine drivers: one object per line, so that drivers added in
# parallel do not collide.
DRIVERS_OBJS := drivers/xhci.o
