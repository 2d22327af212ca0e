using Diffusion.Cli.Soak;

namespace Diffusion.Server.Tests.Soak;

/// <summary>The soak's small readers and its fault schedule.</summary>
public sealed class SoakPartsTests
{
    [Fact]
    public void Proc_status_gives_peak_and_current_rss_in_bytes_and_the_thread_count()
    {
        const string status = "Name:\tdotnet\nVmPeak:\t 3000000 kB\nVmHWM:\t  348000 kB\nVmRSS:\t  300000 kB\nThreads:\t29\n";
        Assert.Equal((348000L * 1024, 300000L * 1024, 29), ProcStatus.Parse(status));
        Assert.Equal((null, null, null), ProcStatus.Parse("Name:\tgone\n"));
    }

    [Fact]
    public void Job_answers_give_the_state_the_failure_and_the_cache_hit()
    {
        var failed = JobAnswers.State("""{"id":"job_1","status":"failed","error":{"message":"disk full","type":"server_error","code":"internal_error"}}""")!;
        Assert.Equal((JobStates.Failed, "disk full", 500), (failed.Status, failed.Reason, failed.ServerStatus));

        var done = JobAnswers.State("""{"id":"job_1","status":"succeeded","result":{"id":"img_1","cache":{"hit":true,"k":25,"source_id":"2ac17fe25c810b75"}}}""")!;
        Assert.Equal(new ServedHit("2ac17fe25c810b75", 25), done.Hit);
        Assert.Null(done.ServerStatus);

        var image = JobAnswers.Images("""{"data":[{"id":"img_1","cache":{"hit":false,"k":0,"source_id":null}}]}""")!;
        Assert.True(image.HasImage);
        Assert.Null(image.Hit);
        Assert.Null(JobAnswers.State("not json"));
    }

    [Fact]
    public void Latent_file_names_and_redis_keys_name_the_tenant_entry_and_K()
    {
        Assert.True(LatentDamage.TryParseFileName("1f3a9c0b5d2e4f67.k15.dlat", out var entry, out var k));
        Assert.Equal(("1f3a9c0b5d2e4f67", 15), (entry, k));
        Assert.False(LatentDamage.TryParseFileName(".1f3a9c0b5d2e4f67.k15.dlat.abc.tmp", out _, out _));

        Assert.True(RedisLatentCorruptor.TryParseKey("diffusion:cache:user-1:latent:1f3a9c0b5d2e4f67:k25", RedisLatentCorruptor.DefaultPrefix,
            out var tenant, out entry, out k));
        Assert.Equal(("user-1", "1f3a9c0b5d2e4f67", 25), (tenant, entry, k));
    }

    [Fact]
    public void Damage_changes_a_latent_so_its_checksums_no_longer_hold()
    {
        var blob = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        BitConverter.GetBytes(60).CopyTo(blob, 8); // header length
        var (flipped, _) = LatentDamage.Flip(blob, new Random(3));
        Assert.Equal(blob.Length, flipped.Length);
        var changed = Enumerable.Range(0, blob.Length).Where(i => blob[i] != flipped[i]).ToArray();
        Assert.Equal(4, changed.Length);
        Assert.All(changed, i => Assert.InRange(i, 60, blob.Length - 9)); // in the payload, not the trailing CRC
        Assert.Equal(100, LatentDamage.Truncate(blob).Bytes.Length);
    }

    [Theory]
    [InlineData(SoakStore.Both, 15)]
    [InlineData(SoakStore.Redis, 15)]
    [InlineData(SoakStore.Files, 3)]
    public void The_schedule_keeps_faults_inside_the_phase_with_two_Redis_outages_per_15_minutes(SoakStore store, int minutes)
    {
        var phase = minutes * 60.0;
        var schedule = FaultSchedule.Build(phase, killEverySeconds: 120, store, diskFiller: true, seed: 1);

        Assert.All(schedule, f => Assert.InRange(f.At, 0, phase));
        var outages = schedule.Where(f => f.Kind == PlannedFaultKind.RedisOutage).ToArray();
        Assert.Equal(store == SoakStore.Files ? 0 : 2, outages.Length);
        Assert.All(outages, o => Assert.True(o.At + o.Duration < phase));
        if (store == SoakStore.Both)
        {
            var switchAt = Assert.Single(schedule, f => f.Kind == PlannedFaultKind.SwitchStore).At;
            Assert.All(outages, o => Assert.True(o.At > switchAt, "Redis outages happen while the Redis store runs"));
            Assert.True(Assert.Single(schedule, f => f.Kind == PlannedFaultKind.DiskFiller).At < switchAt);
        }
        var kills = schedule.Count(f => f.Kind is PlannedFaultKind.Kill or PlannedFaultKind.SwitchStore);
        Assert.InRange(kills, Math.Max(1, minutes * 60 / 120 - 1), minutes * 60 / 120 + 1);
        Assert.Equal(schedule, FaultSchedule.Build(phase, 120, store, true, seed: 1)); // seeded
    }
}
