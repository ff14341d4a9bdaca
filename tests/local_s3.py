"""A local S3 (moto's server) on loopback, for the tests and the demo: BATCH files go from
the tap to the loader through it, as they would through a cluster's object storage.

    python -m tests.local_s3 --port 8790 --bucket meltano-batches
"""

from __future__ import annotations

import argparse
import sys
import threading

import boto3
from moto.server import ThreadedMotoServer

# moto accepts any credentials; they only need to exist for the S3 clients.
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def aws_env(endpoint: str) -> dict[str, str]:
    """Variables that point the tap's and the loader's S3 clients (s3fs) at ``endpoint``."""
    return {**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"],
    )


def start(port: int = 0, bucket: str = "meltano-batches") -> tuple[ThreadedMotoServer, str]:
    """Start the server on 127.0.0.1 (a free port by default) with ``bucket``; its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"
    client(endpoint).create_bucket(Bucket=bucket)
    return server, endpoint


def object_keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    pages = client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--bucket", default="meltano-batches")
    args = parser.parse_args()
    server, endpoint = start(args.port, args.bucket)
    print(f"local S3 ready at {endpoint} (bucket {args.bucket})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
