using Stratum.Volumes.Locking;

namespace Stratum.Volumes.Tests.Locking;

public sealed class VolumeLocksTests
{
    [Fact]
    public void TryAcquire_Free_GetsHandle()
    {
        var locks = new VolumeLocks();
        using var handle = locks.TryAcquire("lv", "CreateVolume");
        Assert.NotNull(handle);
        Assert.Equal("CreateVolume", locks.HolderOf("lv"));
    }

    [Fact]
    public void TryAcquire_Held_NullAndHolderReported()
    {
        var locks = new VolumeLocks();
        using var first = locks.TryAcquire("lv", "NodeStageVolume");

        Assert.Null(locks.TryAcquire("lv", "DeleteVolume"));
        Assert.Equal("NodeStageVolume", locks.HolderOf("lv"));
    }

    [Fact]
    public void TryAcquire_OtherVolume_NotBlocked()
    {
        var locks = new VolumeLocks();
        using var first = locks.TryAcquire("a", "x");
        using var second = locks.TryAcquire("b", "y");
        Assert.NotNull(second);
    }

    [Fact]
    public void Dispose_Handle_ReleasesOnlyOnce()
    {
        var locks = new VolumeLocks();
        var first = locks.TryAcquire("lv", "one")!;
        first.Dispose();
        using var second = locks.TryAcquire("lv", "two");

        first.Dispose(); // a second dispose must not release the new holder's lock

        Assert.Equal("two", locks.HolderOf("lv"));
        Assert.Null(locks.TryAcquire("lv", "three"));
    }

    [Fact]
    public async Task TryAcquire_ManyThreadsSameKey_ExactlyOneWins()
    {
        var locks = new VolumeLocks();
        using var start = new ManualResetEventSlim();
        var winners = 0;
        var tasks = Enumerable.Range(0, 32).Select(_ => Task.Run(() =>
        {
            start.Wait();
            if (locks.TryAcquire("lv", "race") is not null)
            {
                Interlocked.Increment(ref winners);
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);

        Assert.Equal(1, winners);
    }
}
