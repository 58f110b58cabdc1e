/*
 * The machine's memory latency ladder: one dependent load after another (a random cyclic permutation of 64-byte
 * lines, so neither the prefetchers nor out-of-order execution can overlap them) over buffers of 256 KiB to 256 MiB,
 * on transparent huge pages (argument 1, madvise(MADV_HUGEPAGE), as ChunkArena asks for) or on 4 KiB pages
 * (argument 0). It tells where the caches end and what a miss costs on this VM, which the engine's prefetch
 * design (docs/features.md) is built around; the numbers are in docs/benchmarks.md ("Sixth session").
 *
 *   gcc -O2 -o /tmp/chase bench/latency/chase.c && /tmp/chase 1 && /tmp/chase 0
 *
 * Written in C rather than C# so that no runtime (GC, JIT tiers, bounds checks) sits between the loads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    const int huge = argc > 1 ? atoi(argv[1]) : 1;
    const size_t align = 2u << 20;
    const size_t sizes[] = {256u << 10, 1u << 20, 4u << 20, 16u << 20, 64u << 20, 256u << 20};
    for (int s = 0; s < 6; s++)
    {
        const size_t bytes = sizes[s], lines = bytes / 64;
        char *map = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
        {
            perror("mmap");
            return 1;
        }

        char *p = (char *)(((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1));
        madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        size_t *order = malloc(lines * sizeof(size_t));
        for (size_t i = 0; i < lines; i++)
        {
            order[i] = i;
        }

        srand(1);
        for (size_t i = lines - 1; i > 0; i--)
        {
            size_t j = ((size_t)rand() * RAND_MAX + (size_t)rand()) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }

        for (size_t i = 0; i < lines; i++)
        {
            *(char **)(p + order[i] * 64) = p + order[(i + 1) % lines] * 64;
        }

        char *q = p + order[0] * 64;
        const long warm = 1000000, hops = 20000000;
        for (long i = 0; i < warm; i++)
        {
            q = *(char **)q;
        }

        const double t0 = now_ns();
        for (long i = 0; i < hops; i++)
        {
            q = *(char **)q;
        }

        const double t1 = now_ns();
        printf("%s pages %7zu KiB: %6.1f ns per dependent load (%p)\n", huge ? "huge" : "4 KiB", bytes >> 10, (t1 - t0) / hops, (void *)q);
        free(order);
        munmap(map, bytes + align);
    }

    return 0;
}
