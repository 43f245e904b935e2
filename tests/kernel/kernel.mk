# In-kernel suites and their support code: one line per file, so that
# changes to different suites do not collide.
KTEST_OBJS := tests/kernel/main.o
KTEST_OBJS += tests/kernel/catch.o
KTEST_OBJS += tests/kernel/boot.o
KTEST_OBJS += tests/kernel/pci.o
KTEST_OBJS += tests/kernel/cpu.o
KTEST_OBJS += tests/kernel/edu.o
KTEST_OBJS += tests/kernel/vtd_platform.o
KTEST_OBJS += tests/kernel/vtd_fix.o
KTEST_OBJS += tests/kernel/vtd.o
KTEST_OBJS += tests/kernel/vtd_cache.o
KTEST_OBJS += tests/kernel/sl_map.o
KTEST_OBJS += tests/kernel/isolation.o
KTEST_OBJS += tests/kernel/snoop.o
KTEST_OBJS += tests/kernel/kvm_fix.o
KTEST_OBJS += tests/kernel/kvm_wbinvd.o
KTEST_OBJS += tests/kernel/kvm_exits.o
KTEST_OBJS += tests/kernel/report.o
KTEST_OBJS += tests/kernel/verdict.o
KTEST_OBJS += tests/kernel/acpidump.o
KTEST_OBJS += tests/kernel/xhci.o
KTEST_OBJS += tests/kernel/xhci_standin.o
