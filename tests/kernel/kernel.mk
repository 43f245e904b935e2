# In-kernel suites and their support code: one line per file, so that
# changes to different suites do not collide.
KTEST_OBJS := tests/kernel/main.o
KTEST_OBJS += tests/kernel/catch.o
KTEST_OBJS += tests/kernel/boot.o
KTEST_OBJS += tests/kernel/pci.o
KTEST_OBJS += tests/kernel/cpu.o
