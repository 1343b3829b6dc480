namespace Stratum.Lvm.Tests;

/// <summary>The stderr below is what LVM 2.03.16 printed in the VM, unless marked otherwise.</summary>
public sealed class LvmErrorClassifierTests
{
    private static readonly string[] Command = ["lvm", "lvcreate", "--yes"];

    public static TheoryData<string, int, Type> RealStderr => new()
    {
        // not found
        { "  Failed to find logical volume \"stratum/nope\"\n", 5, typeof(LvmNotFoundException) },
        { "  Volume group \"nope\" not found\n  Cannot process volume group nope\n", 5, typeof(LvmNotFoundException) },
        { "  Logical volume c not found in volume group stratum.\n", 5, typeof(LvmNotFoundException) },
        { "  Pool nopool not found in Volume group stratum.\n", 5, typeof(LvmNotFoundException) },
        { "  Snapshot origin LV nosuch not found in Volume group stratum.\n", 5, typeof(LvmNotFoundException) },
        { "  No device found for /dev/nonexist.\n", 5, typeof(LvmNotFoundException) },
        { "  Cannot use /dev/nonexist: device not found\n", 5, typeof(LvmNotFoundException) },

        // insufficient space
        { "  Volume group \"stratum\" has insufficient free space (2021 extents): 25600 required.\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Using default stripesize 64.00 KiB.\n  Volume group \"stratum\" has insufficient free space (500 extents): 1792 required.\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Insufficient free space: 25597 extents needed, but only 497 available\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Size of logical volume stratum/pool_tmeta changed from 4.00 MiB (1 extents) to 100.00 MiB (25 extents).\n  Insufficient free space: 25592 extents needed, but only 438 available\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Insufficient suitable allocatable extents for logical volume r2: 9 more required\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  WARNING: Thin pool stratum/pool is out of data space.\n  Cannot create new thin volume, free space in thin pool stratum/pool reached threshold.\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Using default stripesize 64.00 KiB.\n  Rounding size 8.00 MiB (2 extents) up to stripe boundary size 12.00 MiB (3 extents).\n  Number of stripes (3) must not exceed number of physical volumes (2)\n", 5, typeof(LvmInsufficientSpaceException) },
        { "  Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.\n  Volume group \"stratum\" has insufficient free space (495 extents): 5120 required.\n", 5, typeof(LvmInsufficientSpaceException) },

        // already exists
        { "  Rounding up size to full physical extent 12.00 MiB\n  Logical Volume \"t1\" already exists in volume group \"stratum\"\n", 5, typeof(LvmAlreadyExistsException) },
        { "  A volume group called stratum already exists.\n", 5, typeof(LvmAlreadyExistsException) },
        { "  /dev/stratum: already exists in filesystem\n  Run `vgcreate --help' for more information.\n", 3, typeof(LvmAlreadyExistsException) },
        { "  Physical volume '/dev/vda' is already in volume group 'stratum'\n  Unable to add physical volume '/dev/vda' to volume group 'stratum'\n  /dev/vda: physical volume not initialized.\n", 5, typeof(LvmAlreadyExistsException) },
        { "  Can't initialize physical volume \"/dev/vda\" of volume group \"stratum\" without -ff\n  /dev/vda: physical volume not initialized.\n", 5, typeof(LvmAlreadyExistsException) },

        // in use
        { "File descriptor 3 (/dev/mapper/stratum-a) leaked on lvremove invocation. Parent PID 136: bash\n  Logical volume stratum/a in use.\n", 5, typeof(LvmInUseException) },
        { "  Logical volume stratum/c contains a filesystem in use.\n", 5, typeof(LvmInUseException) },
        { "Removing pool stratum/pool will remove 3 dependent volume(s). Proceed? [y/n]: [n]\n  Logical volume stratum/pool not removed.\n", 5, typeof(LvmInUseException) },
        { "Do you really want to remove active origin logical volume stratum/st with 1 snapshots(s)? [y/n]: [n]\n  Logical volume stratum/st not removed.\n", 5, typeof(LvmInUseException) },
        { "  Logical volume vg/cow contains a filesystem in use.\n  LV vg/lin has open 1 snapshot(s), not deactivating.\n", 5, typeof(LvmInUseException) },
        { "  LV vg/lin has open 1 snapshot(s), not deactivating.\n", 5, typeof(LvmInUseException) },
        { "  Activation of logical volume tv/pool0 is prohibited while logical volume tv/pool0_tmeta is active.\n  Aborting. Failed to locally activate thin pool tv/pool0.\n", 5, typeof(LvmInUseException) },
        { "  Activation of logical volume tv/t1 is prohibited while logical volume tv/pool0_tmeta is active.\n", 5, typeof(LvmInUseException) },
        { "  Cannot resize logical volume tv/pool0 with active component LV(s).\n", 5, typeof(LvmInUseException) },

        { "  Rounding size to boundary between physical extents: 152.00 MiB.\n  Snapshot origin volumes can be resized only while inactive: try lvchange -an.\n", 5, typeof(LvmInUseException) },

        // locks
        { "  /run/lock/lvm/V_stratum: flock failed: Resource temporarily unavailable\n  Can't get lock for stratum.\n  Cannot process volume group stratum\n", 5, typeof(LvmLockedException) },
        { "  Interrupted...\n  Giving up waiting for lock.\n", 5, typeof(LvmLockedException) },
        { "  VG stratum lock failed: held by other host.\n", 5, typeof(LvmLockedException) }, // lvmlockd wording, not measured

        // invalid arguments
        { "  Invalid argument for --addtag: bad tag\n  Error during parsing of command line.\n", 3, typeof(LvmInvalidArgumentException) },
        { "  Invalid argument for --addtag: x@y\n  Error during parsing of command line.\n", 3, typeof(LvmInvalidArgumentException) },
        { "  Logical volume name \"bad;name\" is invalid.\n  Run `lvcreate --help' for more information.\n", 3, typeof(LvmInvalidArgumentException) },
        { "  Size is not a multiple of 512. Try using 9999872 or 10000384.\n  Invalid argument for --size: 10000000b\n  Error during parsing of command line.\n", 3, typeof(LvmInvalidArgumentException) },
        { "  Option --errorwhenfull is unsupported with thin pools.\n  Run `lvcreate --help' for more information.\n", 3, typeof(LvmInvalidArgumentException) },
        { "  Please specify either size or extents with snapshots.\n", 5, typeof(LvmInvalidArgumentException) },
        { "  Some future parse error.\n", 3, typeof(LvmInvalidArgumentException) },

        // generic
        { "  New size (25 extents) matches existing size (25 extents).\n", 5, typeof(LvmCommandFailedException) },
        { "WARNING: ext4 signature detected on /dev/vdb at offset 1080. Wipe it? [y/n]: [n]\n  Aborted wiping of ext4.\n  1 existing signature left on the device.\n", 5, typeof(LvmCommandFailedException) },
        { "  Internal error: LV name \"stratum/nnnn\" length 137 is not supported.\n", 5, typeof(LvmCommandFailedException) },
        { "", 5, typeof(LvmCommandFailedException) },
    };

    [Theory]
    [MemberData(nameof(RealStderr))]
    public void Classify_RealStderr_ReturnsExpectedType(string stderr, int exitCode, Type expected)
    {
        var ex = LvmErrorClassifier.Classify(Command, exitCode, stderr);

        Assert.IsType(expected, ex);
        Assert.Equal(Command, ex.Command);
        Assert.Equal(exitCode, ex.ExitCode);
        Assert.Equal(stderr, ex.StandardError);
    }

    [Fact]
    public void Classify_WarningsMentioningOtherKinds_AreIgnored()
    {
        // A warning that happens to contain a NotFound phrase must not decide the class.
        const string stderr = "  WARNING: Couldn't find device with uuid abc; Volume group \"x\" not found in cache.\n  Logical Volume \"t1\" already exists in volume group \"stratum\"\n";

        Assert.IsType<LvmAlreadyExistsException>(LvmErrorClassifier.Classify(Command, 5, stderr));
    }

    [Fact]
    public void Classify_Message_NamesCommandExitCodeAndRelevantLines()
    {
        const string stderr = "  Rounding up size to full physical extent 12.00 MiB\n  WARNING: Sum of all thin volume sizes exceeds the pool.\n  Logical Volume \"t1\" already exists in volume group \"stratum\"\n";

        var ex = LvmErrorClassifier.Classify(Command, 5, stderr);

        Assert.Equal("lvm lvcreate failed with exit code 5: Logical Volume \"t1\" already exists in volume group \"stratum\"", ex.Message);
    }

    [Theory]
    [InlineData(typeof(LvmLockedException), true)]
    [InlineData(typeof(LvmTimeoutException), true)]
    [InlineData(typeof(LvmNotFoundException), false)]
    [InlineData(typeof(LvmInsufficientSpaceException), false)]
    [InlineData(typeof(LvmAlreadyExistsException), false)]
    [InlineData(typeof(LvmInUseException), false)]
    [InlineData(typeof(LvmInvalidArgumentException), false)]
    [InlineData(typeof(LvmCommandFailedException), false)]
    public void IsTransient_PerType_OnlyLocksAndTimeouts(Type type, bool transient)
    {
        var ex = (LvmException)Activator.CreateInstance(type, "m", null, null, null, null)!;

        Assert.Equal(transient, ex.IsTransient);
        Assert.Empty(ex.Command);
        Assert.Null(ex.ExitCode);
        Assert.Equal(string.Empty, ex.StandardError);
    }
}
