"""The AWS CLI (v2, Debian's awscli package) against the endpoint."""

import json
import os
import subprocess

import pytest

from conftest import REGION, unique_table_name

AWS = "/usr/bin/aws"

pytestmark = pytest.mark.skipif(not os.path.exists(AWS), reason=f"{AWS} not installed")


def cli_runner(endpoint, credentials, home):
    """Runs `aws <service> ...` against `endpoint`; .json(...) parses the output."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": credentials[0],
        "AWS_SECRET_ACCESS_KEY": credentials[1],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(*args, check=True, service="dynamodb"):
        cmd = [AWS, service, *args, "--endpoint-url", endpoint, "--output", "json"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert proc.returncode == 0, f"{cmd} exited {proc.returncode}: {proc.stderr}"
        return proc

    def run_json(*args, service="dynamodb"):
        out = run(*args, service=service).stdout
        return json.loads(out) if out.strip() else {}

    run.json = run_json
    return run


@pytest.fixture
def aws(endpoint, credentials, tmp_path):
    return cli_runner(endpoint, credentials, tmp_path)


@pytest.fixture
def cli_table(aws):
    name = unique_table_name("cli")
    yield name
    aws("delete-table", "--table-name", name, check=False)


def test_cli_table_and_item_lifecycle(aws, cli_table):
    name = cli_table
    created = aws.json(
        "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST",
    )["TableDescription"]
    assert created["TableName"] == name
    assert created["TableArn"].endswith(f":table/{name}")
    aws("wait", "table-exists", "--table-name", name)

    desc = aws.json("describe-table", "--table-name", name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                 {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    tables = aws.json("list-tables")["TableNames"]
    assert name in tables

    item = {"pk": {"S": "cli"}, "sk": {"N": "01.50"}, "l": {"L": [{"S": "a"}, {"BOOL": True}]},
            "ss": {"SS": ["x"]}}
    assert aws.json("put-item", "--table-name", name, "--item", json.dumps(item)) == {}
    got = aws.json("get-item", "--table-name", name, "--consistent-read",
                   "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"N": "1.5"}}))
    assert got == {"Item": dict(item, sk={"N": "1.5"})}

    deleted = aws.json("delete-table", "--table-name", name)["TableDescription"]
    assert deleted["TableName"] == name
    assert deleted["TableStatus"] == "DELETING"
    aws("wait", "table-not-exists", "--table-name", name)
    assert name not in aws.json("list-tables")["TableNames"]


def test_cli_service_error(aws):
    name = unique_table_name("missing")
    proc = aws("describe-table", "--table-name", name, check=False)
    # AWS CLI v2: 254 = the service returned an error.
    assert proc.returncode == 254, proc.stderr
    assert "ResourceNotFoundException" in proc.stderr
    assert f"Requested resource not found: Table: {name} not found" in proc.stderr


def test_cli_validation_error(aws, table_s):
    proc = aws("put-item", "--table-name", table_s, "--item", json.dumps({"other": {"S": "x"}}), check=False)
    assert proc.returncode == 254, proc.stderr
    assert "ValidationException" in proc.stderr
    assert "Missing the key pk in the item" in proc.stderr


def test_dynamodbstreams_commands(aws, created_tables):
    name = unique_table_name("cli-strm")
    created_tables.append(name)
    aws.json("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
                 "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                 "--key-schema", "AttributeName=pk,KeyType=HASH",
                 "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
    aws.json("put-item", "--table-name", name, "--item", '{"pk": {"S": "cli"}}')
    streams = aws.json("list-streams", "--table-name", name, service="dynamodbstreams")["Streams"]
    assert len(streams) == 1
    arn = streams[0]["StreamArn"]
    shards = aws.json("describe-stream", "--stream-arn", arn,
                          service="dynamodbstreams")["StreamDescription"]["Shards"]
    records = []
    for shard in shards:
        iterator = aws.json("get-shard-iterator", "--stream-arn", arn, "--shard-id",
                                shard["ShardId"], "--shard-iterator-type", "TRIM_HORIZON",
                                service="dynamodbstreams")["ShardIterator"]
        records += aws.json("get-records", "--shard-iterator", iterator,
                                service="dynamodbstreams")["Records"]
    assert [r["dynamodb"]["NewImage"] for r in records] == [{"pk": {"S": "cli"}}]


def test_ttl_and_tag_commands(aws, created_tables):
    name = unique_table_name("cli-ttl")
    created_tables.append(name)
    arn = aws.json("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
                   "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                   "--key-schema", "AttributeName=pk,KeyType=HASH")["TableDescription"]["TableArn"]
    spec = aws.json("update-time-to-live", "--table-name", name,
                    "--time-to-live-specification", "Enabled=true,AttributeName=expires")
    assert spec["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    description = aws.json("describe-time-to-live", "--table-name", name)["TimeToLiveDescription"]
    assert description["AttributeName"] == "expires"
    aws("tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=ci", "Key=team,Value=db")
    tags = aws.json("list-tags-of-resource", "--resource-arn", arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "ci"), ("team", "db")]
    aws("untag-resource", "--resource-arn", arn, "--tag-keys", "team")
    assert aws.json("list-tags-of-resource", "--resource-arn", arn)["Tags"] == [
        {"Key": "env", "Value": "ci"}]
    aws.json("update-contributor-insights", "--table-name", name,
             "--contributor-insights-action", "ENABLE")
    described = aws.json("describe-contributor-insights", "--table-name", name)
    assert described["ContributorInsightsStatus"] in ("ENABLING", "ENABLED")


def test_partiql_commands(aws, created_tables):
    name = unique_table_name("cli-pql")
    created_tables.append(name)
    aws.json("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
             "--attribute-definitions", "AttributeName=pk,AttributeType=S",
             "--key-schema", "AttributeName=pk,KeyType=HASH")
    aws("wait", "table-exists", "--table-name", name)
    aws("execute-statement", "--statement", f"INSERT INTO \"{name}\" VALUE {{'pk': 'a', 'n': 1}}")
    answer = aws.json("execute-statement", "--statement", f"SELECT * FROM \"{name}\" WHERE pk = ?",
                      "--parameters", '[{"S": "a"}]')
    assert answer["Items"] == [{"pk": {"S": "a"}, "n": {"N": "1"}}]
    aws("execute-transaction", "--transact-statements", json.dumps([
        {"Statement": f"UPDATE \"{name}\" SET n = n + 1 WHERE pk = 'a'"},
        {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'b'}}"}]))
    answer = aws.json("batch-execute-statement", "--statements", json.dumps([
        {"Statement": f"SELECT n FROM \"{name}\" WHERE pk = 'a'"},
        {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'b'"}]))
    assert answer["Responses"] == [{"TableName": name, "Item": {"n": {"N": "2"}}},
                                   {"TableName": name, "Item": {"pk": {"S": "b"}}}]
    answer = aws.json("batch-execute-statement", "--statements", json.dumps([
        {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'b'"}]))
    assert answer["Responses"] == [{"TableName": name}]


def test_backup_and_restore_commands(aws, created_tables):
    name = unique_table_name("cli-bk")
    restored = unique_table_name("cli-bkr")
    at_time = unique_table_name("cli-bkt")
    created_tables += [name, restored, at_time]
    aws.json("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
             "--attribute-definitions", "AttributeName=pk,AttributeType=S",
             "--key-schema", "AttributeName=pk,KeyType=HASH")
    aws("wait", "table-exists", "--table-name", name)
    aws("put-item", "--table-name", name, "--item", '{"pk": {"S": "a"}}')
    arn = aws.json("create-backup", "--table-name", name, "--backup-name", "cli-backup")[
        "BackupDetails"]["BackupArn"]
    listed = aws.json("list-backups", "--table-name", name)["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [arn]
    for _ in range(100):
        details = aws.json("describe-backup", "--backup-arn", arn)["BackupDescription"]
        if details["BackupDetails"]["BackupStatus"] == "AVAILABLE":
            break
    assert details["SourceTableDetails"]["TableName"] == name
    aws.json("restore-table-from-backup", "--target-table-name", restored, "--backup-arn", arn,
             "--billing-mode-override", "PAY_PER_REQUEST")
    for _ in range(100):
        if aws.json("describe-table", "--table-name", restored)["Table"]["TableStatus"] == "ACTIVE":
            break
    assert aws.json("scan", "--table-name", restored)["Items"] == [{"pk": {"S": "a"}}]

    pitr = aws.json("update-continuous-backups", "--table-name", name,
                    "--point-in-time-recovery-specification",
                    "PointInTimeRecoveryEnabled=true")  # Debian's CLI predates RecoveryPeriodInDays
    assert pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"
    described = aws.json("describe-continuous-backups", "--table-name", name)
    assert described == pitr
    aws.json("restore-table-to-point-in-time", "--source-table-name", name,
             "--target-table-name", at_time, "--use-latest-restorable-time")
    for _ in range(100):
        if aws.json("describe-table", "--table-name", at_time)["Table"]["TableStatus"] == "ACTIVE":
            break
    assert aws.json("scan", "--table-name", at_time)["Items"] == [{"pk": {"S": "a"}}]
    deleted = aws.json("delete-backup", "--backup-arn", arn)
    assert deleted["BackupDescription"]["BackupDetails"]["BackupStatus"] == "DELETED"
    proc = aws("describe-backup", "--backup-arn", arn, check=False)
    assert proc.returncode != 0 and "BackupNotFoundException" in proc.stderr


def test_export_and_import_commands(credentials, tmp_path):
    from conftest import DdbdProcess
    s3 = tmp_path / "s3"
    (s3 / "bucket").mkdir(parents=True)
    with DdbdProcess(extra_args=["--s3-dir", str(s3)]) as server:
        aws = cli_runner(server.endpoint, credentials, tmp_path)
        table = aws.json("create-table", "--table-name", "cli-export", "--billing-mode",
                         "PAY_PER_REQUEST", "--attribute-definitions",
                         "AttributeName=pk,AttributeType=S", "--key-schema",
                         "AttributeName=pk,KeyType=HASH")["TableDescription"]
        aws("put-item", "--table-name", "cli-export", "--item", '{"pk": {"S": "a"}}')
        aws("update-continuous-backups", "--table-name", "cli-export",
            "--point-in-time-recovery-specification", "PointInTimeRecoveryEnabled=true")
        arn = aws.json("export-table-to-point-in-time", "--table-arn", table["TableArn"],
                       "--s3-bucket", "bucket", "--export-format", "DYNAMODB_JSON")[
            "ExportDescription"]["ExportArn"]
        for _ in range(100):
            export = aws.json("describe-export", "--export-arn", arn)["ExportDescription"]
            if export["ExportStatus"] != "IN_PROGRESS":
                break
        assert export["ExportStatus"] == "COMPLETED" and export["ItemCount"] == 1
        listed = aws.json("list-exports", "--table-arn", table["TableArn"])["ExportSummaries"]
        assert [e["ExportArn"] for e in listed] == [arn]
        data = export["ExportManifest"].rsplit("/", 1)[0] + "/data/"
        imported = aws.json(
            "import-table", "--s3-bucket-source", f"S3Bucket=bucket,S3KeyPrefix={data}",
            "--input-format", "DYNAMODB_JSON", "--input-compression-type", "GZIP",
            "--table-creation-parameters", json.dumps({
                "TableName": "cli-import", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}))[
            "ImportTableDescription"]
        for _ in range(100):
            described = aws.json("describe-import", "--import-arn", imported["ImportArn"])[
                "ImportTableDescription"]
            if described["ImportStatus"] != "IN_PROGRESS":
                break
        assert described["ImportStatus"] == "COMPLETED"
        assert [i["ImportArn"] for i in aws.json("list-imports")["ImportSummaryList"]] == [
            imported["ImportArn"]]
        assert aws.json("scan", "--table-name", "cli-import")["Items"] == [{"pk": {"S": "a"}}]
