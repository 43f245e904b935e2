KTEST_OBJS := tests/kernel/main.o tests/kernel/catch.o \
	tests/kernel/boot.o tests/kernel/pci.o tests/kernel/cpu.o
