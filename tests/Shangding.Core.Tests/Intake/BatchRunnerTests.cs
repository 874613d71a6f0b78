using Shangding.Core.Intake;

namespace Shangding.Core.Tests.Intake;

public sealed class BatchRunnerTests
{
    [Fact]
    public void TheStartTick_IsReadAfterTheCommand_WhateverItHolds()
    {
        // Field 22 of /proc/{pid}/stat; the command name in parentheses may itself hold spaces and parentheses.
        const string rest = " S 1 4242 4242 0 -1 4194560 1020 0 0 0 12 3 0 0 20 0 9 0 3936033 2147483648 8000";
        BatchRunner.StartTicksIn("4242 (dotnet)" + rest).ShouldBe(3936033);
        BatchRunner.StartTicksIn("4242 (my app) (x))" + rest).ShouldBe(3936033);
        BatchRunner.StartTicksIn("4242 (dotnet) S 1 4242").ShouldBeNull();
        BatchRunner.StartTicksIn("").ShouldBeNull();
    }

    [Fact]
    public void ThisProcessStartTick_IsThere_OnLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            BatchRunner.Scope.ShouldBeEmpty();
            return;
        }

        BatchRunner.StartTicks(Environment.ProcessId).ShouldNotBeNull().ShouldBeGreaterThan(0);
        BatchRunner.Scope.ShouldMatch("^[0-9a-f-]{36}:[0-9]+$");
        BatchRunner.Current.ShouldStartWith(Environment.MachineName + "/" + BatchRunner.Scope + "/" + Environment.ProcessId + "/");
    }

    [Theory]
    [InlineData("21 26 0:20 / /proc rw,relatime - proc proc rw", false)]
    [InlineData("21 26 0:20 / /proc rw,nosuid - proc proc rw,hidepid=2", true)]
    [InlineData("21 26 0:20 / /proc rw,nosuid - proc proc rw,hidepid=invisible,gid=4", true)]
    [InlineData("21 26 0:20 / /proc rw,nosuid - proc proc rw,hidepid=0", false)]
    [InlineData("30 21 0:30 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw", false)]
    public void ProcessesOfOthers_AreHidden_OnlyWhenProcIsMountedWithHidepid(string line, bool hidden) =>
        BatchRunner.HidesOthers(["25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw", line]).ShouldBe(hidden);
}
