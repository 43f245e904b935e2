# libFuzzer run of the DMAR parser under ASan and UBSan:
#   make fuzz [FUZZ_SECONDS=60]
# Needs Debian's clang and its libFuzzer runtime (package libclang-rt-14-dev,
# which clang 14 pulls in). Seeds: every table of tests/tables, compiled by
# the iasl rule of tests/host/host.mk, copied to a scratch corpus that the
# run then grows. Prints executions and crashes; fails on any crash, leak,
# timeout or out-of-memory (the reproducer is left in $(O)/fuzz/).

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_DIR := $(O)/fuzz
FUZZ_SEEDS := $(patsubst tests/tables/%.dsl,$(O)/tables/%.aml,\
	$(wildcard tests/tables/*.dsl))
FUZZ_SRCS := tests/fuzz/fuzz_dmar.c $(DMAR_SRCS)

$(FUZZ_DIR)/fuzz_dmar: $(FUZZ_SRCS) iommu/vtd/dmar.h lib/types.h lib/errno.h
	$(call say,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS)

fuzz: $(FUZZ_DIR)/fuzz_dmar $(FUZZ_SEEDS)
	$(call say,FUZZ,$(FUZZ_SECONDS)s)
	@rm -rf $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crash-* $(FUZZ_DIR)/leak-* \
		$(FUZZ_DIR)/timeout-* $(FUZZ_DIR)/oom-*
	@mkdir -p $(FUZZ_DIR)/corpus
	@cp $(FUZZ_SEEDS) $(FUZZ_DIR)/corpus/
	$(Q)cd $(FUZZ_DIR) || exit 1; status=0; \
	./fuzz_dmar -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
		-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=./ \
		corpus >fuzz.log 2>&1 || status=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log); \
	crashes=$$(ls crash-* leak-* timeout-* oom-* 2>/dev/null | wc -l); \
	echo "fuzz: dmar: $${execs:-0} execs in $(FUZZ_SECONDS) s," \
		"$$crashes crashes, corpus $$(ls corpus | wc -l)" \
		"(log: $(FUZZ_DIR)/fuzz.log)"; \
	if [ $$status -ne 0 ] || [ $$crashes -ne 0 ]; then \
		tail -n 40 fuzz.log; exit 1; fi
