/* The registry of DMA engines the drivers found at boot. */
#include "drivers/dma.h"
#include "lib/string.h"

static struct dma_engine *engines[DMA_MAX_ENGINES];
static unsigned nr_engines;

int dma_register(struct dma_engine *e)
{
	if (nr_engines == DMA_MAX_ENGINES)
		return -1;
	engines[nr_engines++] = e;
	return 0;
}

unsigned dma_count(const char *kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr_engines; i++)
		n += !kind || !strcmp(engines[i]->kind, kind);
	return n;
}

struct dma_engine *dma_find(const char *kind, unsigned index)
{
	for (unsigned i = 0; i < nr_engines; i++)
		if (!kind || !strcmp(engines[i]->kind, kind))
			if (index-- == 0)
				return engines[i];
	return NULL;
}
