using Grpc.Core;
using Stratum.Csi.Services;
using Stratum.Volumes;

namespace Stratum.Csi.Tests.Services;

public sealed class CsiErrorsTests
{
    public static TheoryData<VolumeError, StatusCode> Codes => new()
    {
        { VolumeError.NotFound, StatusCode.NotFound },
        { VolumeError.InvalidArgument, StatusCode.InvalidArgument },
        { VolumeError.AlreadyExists, StatusCode.AlreadyExists },
        { VolumeError.Busy, StatusCode.Aborted },
        { VolumeError.NoSpace, StatusCode.ResourceExhausted },
        { VolumeError.OutOfRange, StatusCode.OutOfRange },
        { VolumeError.FailedPrecondition, StatusCode.FailedPrecondition },
        { VolumeError.Unavailable, StatusCode.Unavailable },
        { VolumeError.Internal, StatusCode.Internal },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task Guard_EngineError_BecomesItsStatusWithTheMessage(VolumeError error, StatusCode code)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => CsiErrors.Guard<int>(() => throw new VolumeException(error, "what happened")));

        Assert.Equal(code, ex.StatusCode);
        Assert.Equal("what happened", ex.Status.Detail);
    }

    [Fact]
    public void Code_EveryEngineErrorKind_HasAStatus()
    {
        Assert.All(Enum.GetValues<VolumeError>(), e => Assert.Contains(e, Codes.Select(row => (VolumeError)row[0])));
    }

    [Theory]
    [InlineData(typeof(ArgumentException))]
    [InlineData(typeof(ArgumentNullException))]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NullReferenceException))]
    public async Task Guard_AnythingElse_PassesThroughAsABugNeverAsTheCallersFault(Type bug)
    {
        var thrown = (Exception)Activator.CreateInstance(bug, "a bug")!;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CsiErrors.Guard<int>(() => throw thrown));

        Assert.Same(thrown, ex);
    }

    [Fact]
    public void CsiAssembly_DoesNotReferenceTheLvmLayer()
    {
        // Errors are mapped at one boundary: Csi sees only the engine's kinds, never LVM's types.
        var references = typeof(CsiErrors).Assembly.GetReferencedAssemblies().Select(a => a.Name);

        Assert.DoesNotContain("Stratum.Lvm", references);
        Assert.Contains("Stratum.Volumes", references);
    }
}
