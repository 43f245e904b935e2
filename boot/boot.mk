BOOT_OBJS := boot/header.o boot/entry.o boot/bootinfo.o
