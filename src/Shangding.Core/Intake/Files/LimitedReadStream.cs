namespace Shangding.Core.Intake.Files;

/// <summary>Shared budget of decompressed bytes across all parts of one workbook.</summary>
internal sealed class ByteBudget(long limit)
{
    public long Used { get; private set; }

    public long Limit { get; } = limit;

    /// <returns>False once the budget is exceeded.</returns>
    public bool TrySpend(int bytes)
    {
        Used += bytes;
        return Used <= Limit;
    }
}

/// <summary>
/// Counts the bytes actually decompressed from a zip entry: the sizes a zip declares can lie, the
/// bytes that come out cannot. It also refuses a run of more than <see cref="MaxBytesBetweenTags"/>
/// bytes without a '&lt;': XmlReader would buffer such a token (one giant attribute or text node)
/// whole in memory, while Excel's own cells are at most 32,767 characters.
/// </summary>
internal sealed class LimitedReadStream(Stream inner, ByteBudget budget, Func<Exception> onExceeded, Func<Exception> onHugeToken) : Stream
{
    public const int MaxBytesBetweenTags = 4 << 20;

    private long _sinceTag;
    private long _read;

    /// <summary>Bytes read from this part so far (written by the reading thread, read by a progress display).</summary>
    public long BytesRead => Volatile.Read(ref _read);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Volatile.Write(ref _read, _read + read);
        if (!budget.TrySpend(read))
        {
            throw onExceeded();
        }

        var data = buffer[..read];
        var first = data.IndexOf((byte)'<');
        if (first < 0)
        {
            _sinceTag += read;
        }
        else
        {
            _sinceTag += first;
            if (_sinceTag <= MaxBytesBetweenTags)
            {
                _sinceTag = read - data.LastIndexOf((byte)'<') - 1;
            }
        }

        if (_sinceTag > MaxBytesBetweenTags)
        {
            throw onHugeToken();
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
