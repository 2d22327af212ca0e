namespace Diffusion.Engine.Memory;

/// <summary>
/// Blocks with no references, least recently freed first. A doubly linked list over block indices,
/// so a cached block can be taken out of the middle in O(1) when a request revives it.
/// </summary>
internal sealed class FreeBlockQueue
{
    private const int None = -1;
    private readonly int[] _prev;
    private readonly int[] _next;
    private readonly bool[] _queued;
    private int _head = None;
    private int _tail = None;

    public FreeBlockQueue(int capacity)
    {
        _prev = new int[capacity];
        _next = new int[capacity];
        _queued = new bool[capacity];
        for (int i = 0; i < capacity; i++)
        {
            PushBack(i);
        }
    }

    public int Count { get; private set; }

    public bool Contains(int block) => _queued[block];

    public void PushBack(int block)
    {
        if (_queued[block])
        {
            throw new InvalidOperationException($"block {block} is already in the free queue");
        }

        _prev[block] = _tail;
        _next[block] = None;
        if (_tail == None)
        {
            _head = block;
        }
        else
        {
            _next[_tail] = block;
        }

        _tail = block;
        _queued[block] = true;
        Count++;
    }

    public int PopFront()
    {
        if (_head == None)
        {
            throw new InvalidOperationException("the free queue is empty");
        }

        int block = _head;
        Remove(block);
        return block;
    }

    public void Remove(int block)
    {
        if (!_queued[block])
        {
            throw new InvalidOperationException($"block {block} is not in the free queue");
        }

        int prev = _prev[block];
        int next = _next[block];
        if (prev == None)
        {
            _head = next;
        }
        else
        {
            _next[prev] = next;
        }

        if (next == None)
        {
            _tail = prev;
        }
        else
        {
            _prev[next] = prev;
        }

        _queued[block] = false;
        Count--;
    }
}
