"""The in-memory image store held to the S3 adapter (moto's server) on deletion: each case runs
on both, so retention's use cases tested on the fake delete what S3 would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest

from emoji_smith.adapters import s3_image_store
from emoji_smith.adapters.s3_image_store import S3ImageStore
from emoji_smith.ports import ImageStore
from fakes.in_memory import InMemoryImages


@pytest.fixture(params=["in_memory", "s3"])
def images(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ImageStore]:
    if request.param == "in_memory":
        yield InMemoryImages()
        return
    endpoint = request.getfixturevalue("moto_server")
    for key, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    from emoji_smith.adapters.aws_clients import s3_client

    s3_client.cache_clear()  # a client for this endpoint
    bucket = f"images-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    yield S3ImageStore(bucket)
    s3_client.cache_clear()


def test_deleting_takes_the_keys_and_prefixes_asked_and_says_which_were_there(
    images: ImageStore,
) -> None:
    # GIVEN two jobs whose ids share a beginning (job-1, job-10)
    for job in ("job-1", "job-10"):
        images.put(f"originals/{job}/option-0", b"a", "image/png")
        images.put(f"emoji/{job}/option-0.png", b"b", "image/png")
        images.put(f"inputs/{job}", b"c", "image/jpeg")
    # WHEN job-1's images are deleted, with a key that was never there
    deleted = images.delete(
        keys=["inputs/job-1", "inputs/never-there"],
        prefixes=["originals/job-1/", "emoji/job-1/"],
    )
    # THEN exactly job-1's went, and the answer names them
    assert deleted == ["emoji/job-1/option-0.png", "inputs/job-1", "originals/job-1/option-0"]
    for key in ("originals/job-10/option-0", "emoji/job-10/option-0.png", "inputs/job-10"):
        assert images.exists(key)
    assert not images.exists("inputs/job-1")
    # AND deleting again deletes nothing
    assert images.delete(keys=["inputs/job-1"], prefixes=["originals/job-1/"]) == []


def test_more_keys_than_one_request_takes_are_all_deleted(
    images: ImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN more objects under one prefix than one DeleteObjects request takes (S3 takes 1,000;
    # a batch of 2 here, so five keys make three requests)
    monkeypatch.setattr(s3_image_store, "DELETE_BATCH", 2)
    keys = [f"emoji/big/option-{i}.png" for i in range(5)]
    for key in keys:
        images.put(key, b"x", "image/png")
    # WHEN they are deleted by their prefix
    deleted = images.delete(keys=[], prefixes=["emoji/big/"])
    # THEN every one went
    assert deleted == sorted(keys)
    assert not any(images.exists(key) for key in keys)
