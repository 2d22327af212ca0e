using System.Globalization;
using Diffusion.Server.Options;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Jobs;

/// <summary>
/// The jobs the server accepted, in SQLite (<see cref="ServerOptions.JobJournalPath"/>): a job is written, durably,
/// before its 202 is sent, and its end is recorded when it ends, so after a crash every id ever returned is answered
/// (<see cref="JobRecovery"/> re-queues the unfinished ones). One connection, used under a lock: a job is a few
/// hundred bytes and writes are one per job start and end.
/// </summary>
public sealed class JobJournal : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();
    private readonly ILogger<JobJournal> logger;

    public JobJournal(IOptions<ServerOptions> options, ILogger<JobJournal> logger)
    {
        this.logger = logger;
        var path = options.Value.JobJournalPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        // WAL with FULL sync: an accepted job is on disk when its 202 leaves, even across a power cut.
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        Execute("""
            CREATE TABLE IF NOT EXISTS jobs(
                id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, base_url TEXT NOT NULL, plan TEXT NOT NULL,
                status TEXT NOT NULL, finished_ms INTEGER, result TEXT, error TEXT);
            """);
    }

    /// <summary>Writes a new job. Throws (<see cref="SqliteException"/>, e.g. a full disk) when it cannot: the job must then not be accepted.</summary>
    public void Record(Job job)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO jobs(id, created_ms, base_url, plan, status) VALUES($id, $created, $url, $plan, $status)";
            command.Parameters.AddWithValue("$id", job.Id.Value);
            command.Parameters.AddWithValue("$created", job.Created.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$url", job.BaseUrl);
            command.Parameters.AddWithValue("$plan", JournaledJob.WritePlan(job.Plan));
            command.Parameters.AddWithValue("$status", JobStatus.Queued.ToString());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records how a job ended. A failure is logged, not thrown: the job has ended either way, and a restart re-runs it.</summary>
    public void RecordEnd(Job job, JobStatus status, DateTimeOffset finished, Api.Contracts.JobResult? result, Api.ApiError? error)
    {
        try
        {
            lock (gate)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE jobs SET status = $status, finished_ms = $finished, result = $result, error = $error WHERE id = $id";
                command.Parameters.AddWithValue("$id", job.Id.Value);
                command.Parameters.AddWithValue("$status", status.ToString());
                command.Parameters.AddWithValue("$finished", finished.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$result", (object?)JournaledJob.WriteResult(result) ?? DBNull.Value);
                command.Parameters.AddWithValue("$error", (object?)JournaledJob.WriteError(error) ?? DBNull.Value);
                command.ExecuteNonQuery();
            }
        }
        catch (SqliteException ex)
        {
            logger.LogError("Could not record the end of job {JobId} in the journal ({Message}); a restart would run it again", job.Id, ex.Message);
        }
    }

    public void Remove(JobId id)
    {
        try
        {
            lock (gate)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM jobs WHERE id = $id";
                command.Parameters.AddWithValue("$id", id.Value);
                command.ExecuteNonQuery();
            }
        }
        catch (SqliteException ex)
        {
            // Harmless: a row left behind is dropped at the next start once it is past its retention.
            logger.LogWarning("Could not remove job {JobId} from the journal: {Message}", id, ex.Message);
        }
    }

    /// <summary>Every journaled job, oldest first. A row that cannot be read is logged and skipped with its id, so it can be failed.</summary>
    public IReadOnlyList<JournaledJob> Load(out IReadOnlyList<(JobId Id, string Problem)> unreadable)
    {
        var jobs = new List<JournaledJob>();
        var bad = new List<(JobId, string)>();
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, created_ms, base_url, plan, status, finished_ms, result, error FROM jobs ORDER BY created_ms";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (!JobId.TryParse(reader.GetString(0), out var id)) continue;
                try
                {
                    jobs.Add(new JournaledJob(
                        id,
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                        reader.GetString(2),
                        JournaledJob.ReadPlan(reader.GetString(3)),
                        Enum.Parse<JobStatus>(reader.GetString(4)),
                        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                        JournaledJob.ReadResult(reader.IsDBNull(6) ? null : reader.GetString(6)),
                        JournaledJob.ReadError(reader.IsDBNull(7) ? null : reader.GetString(7))));
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or FormatException)
                {
                    bad.Add((id, ex.Message));
                }
            }
        }
        unreadable = bad;
        return jobs;
    }

    public int Count()
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM jobs";
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public void Dispose()
    {
        lock (gate) connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
