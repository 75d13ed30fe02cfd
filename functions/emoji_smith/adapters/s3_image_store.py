"""Images in S3, by job id. Private bucket; shared only through presigned URLs."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from emoji_smith.adapters.aws_clients import s3_client

#: Listings at once while deleting a workspace's images (a few per job, each a round trip).
DELETE_LISTINGS_AT_ONCE = 16
#: DeleteObjects takes at most this many keys.
DELETE_BATCH = 1000


class S3ImageStore:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        s3_client().put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return s3_client().get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            s3_client().head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def share_url(self, key: str, expires_in_seconds: int) -> str:
        return s3_client().generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=expires_in_seconds,
        )

    def delete(self, keys: Sequence[str], prefixes: Sequence[str] = ()) -> list[str]:
        """Lists first (DeleteObjects says "deleted" of an absent key too), so what comes back
        is what was there."""
        with ThreadPoolExecutor(DELETE_LISTINGS_AT_ONCE) as pool:
            found = [
                *pool.map(self._present, keys),
                *pool.map(self._under, prefixes),
            ]
        present = sorted({key for keys_found in found for key in keys_found})
        client = s3_client()
        for start in range(0, len(present), DELETE_BATCH):
            batch = present[start : start + DELETE_BATCH]
            answer = client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            errors = answer.get("Errors", [])
            if errors:
                raise RuntimeError(f"S3 kept {len(errors)} objects, e.g. {errors[0]}")
        return present

    def _present(self, key: str) -> list[str]:
        """`key` itself sorts first among the keys it prefixes."""
        listed = s3_client().list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1)
        return [key] if [o.get("Key") for o in listed.get("Contents", [])] == [key] else []

    def _under(self, prefix: str) -> list[str]:
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self._bucket, Prefix=prefix)
        )
        return [str(o["Key"]) for page in pages for o in page.get("Contents", []) if "Key" in o]
