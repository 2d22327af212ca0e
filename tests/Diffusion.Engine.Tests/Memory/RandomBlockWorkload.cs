using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Memory;

/// <summary>
/// Drives a <see cref="KvCacheManager"/> with random prefills (over a few shared prompts, so the
/// prefix cache is hit), decodes, forks, frees, swaps and opaque buffers, checking after every step
/// that reference counts equal the references held, that no block is both free and used, and that
/// every sequence still reads back its own tokens. Ends by freeing everything.
/// </summary>
internal sealed class RandomBlockWorkload(KvCacheManager kv, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<SequenceId, List<int>> _live = new();
    private readonly List<(SwappedBlocks Blocks, Dictionary<SequenceId, List<int>> Tokens)> _swapped = new();
    private readonly List<OpaqueBuffer> _opaque = new();
    private readonly int[][] _prompts =
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [1, 2, 3, 4, 50, 60, 70, 80],
        [9, 9, 9, 9, 9, 9, 9, 9, 9],
    ];

    private long _nextSequence;

    /// <summary>Allocations that were refused with Later (the workload must reach a full pool).</summary>
    public int Refusals { get; private set; }

    public void Run(int steps)
    {
        for (int step = 0; step < steps; step++)
        {
            switch (_random.Next(8))
            {
                case 0: case 1: NewSequence(); break;
                case 2: case 3: Decode(); break;
                case 4: Fork(); break;
                case 5: FreeOne(); break;
                case 6: Swap(); break;
                case 7: Opaque(); break;
                default: throw new InvalidOperationException("unreachable");
            }

            CheckInvariants();
        }

        foreach (SequenceId id in _live.Keys.ToList())
        {
            kv.Free(id);
        }

        foreach (OpaqueBuffer buffer in _opaque)
        {
            kv.Release(buffer);
        }

        _live.Clear();
        _opaque.Clear();
        CheckInvariants();
    }

    private void NewSequence()
    {
        var tokens = _prompts[_random.Next(_prompts.Length)].ToList();
        int extra = _random.Next(0, 6);
        for (int i = 0; i < extra; i++)
        {
            tokens.Add(_random.Next(100, 110));
        }

        var id = new SequenceId(++_nextSequence);
        int cached = kv.CountCachedPrefixTokens(tokens.ToArray());
        AllocationStatus status = KvTestContent.Append(kv, id, tokens, tokens.Count - cached);
        if (status == AllocationStatus.Ok)
        {
            _live.Add(id, tokens);
        }
        else
        {
            Refusals++;
            Assert.False(kv.Contains(id));
        }
    }

    private void Decode()
    {
        if (Pick() is not { } id)
        {
            return;
        }

        List<int> tokens = _live[id];
        tokens.Add(_random.Next(100, 104));
        if (KvTestContent.Append(kv, id, tokens, 1) != AllocationStatus.Ok)
        {
            Refusals++;
            tokens.RemoveAt(tokens.Count - 1);
        }
    }

    private void Fork()
    {
        if (Pick() is not { } id)
        {
            return;
        }

        var child = new SequenceId(++_nextSequence);
        kv.Fork(id, child);
        _live.Add(child, _live[id].ToList());
    }

    private void FreeOne()
    {
        if (Pick() is not { } id)
        {
            return;
        }

        kv.Free(id);
        _live.Remove(id);
    }

    private void Swap()
    {
        if (_swapped.Count > 0 && _random.Next(2) == 0)
        {
            int i = _random.Next(_swapped.Count);
            if (kv.SwapIn(_swapped[i].Blocks) == AllocationStatus.Ok)
            {
                foreach ((SequenceId id, List<int> tokens) in _swapped[i].Tokens)
                {
                    _live.Add(id, tokens);
                }

                _swapped.RemoveAt(i);
            }

            return;
        }

        if (Pick() is not { } first)
        {
            return;
        }

        // Swap a sequence together with one of the others, to exercise shared blocks.
        var group = new List<SequenceId> { first };
        if (Pick() is { } second && second != first)
        {
            group.Add(second);
        }

        SwappedBlocks blocks = kv.SwapOut(group);
        var tokensById = group.ToDictionary(id => id, id => _live[id]);
        foreach (SequenceId id in group)
        {
            _live.Remove(id);
        }

        _swapped.Add((blocks, tokensById));
    }

    private void Opaque()
    {
        if (_opaque.Count > 0 && _random.Next(2) == 0)
        {
            int i = _random.Next(_opaque.Count);
            kv.Release(_opaque[i]);
            _opaque.RemoveAt(i);
            return;
        }

        long bytes = (_random.Next(1, 3 * kv.Pool.BlockFloats) + 1) * (long)sizeof(float);
        if (kv.AllocateOpaque(bytes, out OpaqueBuffer? buffer) == AllocationStatus.Ok)
        {
            _opaque.Add(buffer!);
        }
    }

    private SequenceId? Pick() => _live.Count == 0 ? null : _live.Keys.ElementAt(_random.Next(_live.Count));

    private void CheckInvariants()
    {
        BlockPool pool = kv.Pool;
        var references = new int[pool.NumBlocks];
        foreach (SequenceId id in _live.Keys)
        {
            foreach (BlockId block in kv.GetBlockTable(id))
            {
                references[block.Value]++;
            }
        }

        foreach (OpaqueBuffer buffer in _opaque)
        {
            foreach (BlockId block in buffer.Blocks)
            {
                references[block.Value]++;
            }
        }

        int free = 0, shared = 0;
        for (int b = 0; b < pool.NumBlocks; b++)
        {
            var id = new BlockId(b);
            Assert.Equal(references[b], pool.GetRefCount(id));
            Assert.Equal(references[b] == 0, pool.IsFree(id));
            free += references[b] == 0 ? 1 : 0;
            shared += references[b] > 1 ? 1 : 0;
        }

        Assert.Equal(free, pool.FreeBlocks);
        Assert.Equal(shared, pool.SharedBlocks);
        Assert.Equal(_live.Count, kv.SequenceCount);
        foreach ((SequenceId id, List<int> tokens) in _live)
        {
            Assert.Equal(tokens.Count, kv.GetComputedTokens(id));
            KvTestContent.AssertHolds(kv, id, tokens);
        }
    }
}
