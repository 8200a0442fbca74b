"""TensorFlow's log chatter is dropped, other warnings and errors are not (no TensorFlow needed:
the device-enumeration capture runs against a stand-in that writes to file descriptor 2)."""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace

import pytest
from archdsl.lower import tflog


@pytest.fixture(autouse=True)
def _restore(monkeypatch):
    before = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    monkeypatch.setattr(tflog, "_verbose", None)
    yield
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).removeFilter(tflog._FILTER)
    if before is None:
        os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
    else:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = before


def test_device_enumeration_drops_the_no_gpu_lines_and_keeps_the_rest(capfd):
    def list_physical_devices():
        os.write(2, b"E cuda_platform.cc:51] failed call to cuInit: UNKNOWN ERROR (303)\n"
                    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                    b"E some_kernel.cc:12] a real problem\n")
        return []

    tflog._enumerate_devices_quietly(SimpleNamespace(config=SimpleNamespace(list_physical_devices=list_physical_devices)))
    err = capfd.readouterr().err
    assert err == "E some_kernel.cc:12] a real problem\n"


def test_device_enumeration_restores_stderr_when_it_fails(capfd):
    def boom():
        os.write(2, b"captured\n")
        raise RuntimeError("no devices")

    with pytest.raises(RuntimeError):
        tflog._enumerate_devices_quietly(SimpleNamespace(config=SimpleNamespace(list_physical_devices=boom)))
    os.write(2, b"after\n")
    assert capfd.readouterr().err.endswith("after\n")


def test_quiet_filters_known_python_messages_only(caplog):
    tflog.configure(False)
    logger = logging.getLogger("tensorflow")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        logger.warning("Compiled the loaded model, but the compiled metrics have yet to be built.")
        logger.warning("Found untraced functions such as _jit_compiled_convolution_op while saving")
        logger.warning("a real warning about the model")
        logger.error("a real error")
    assert [r.getMessage() for r in caplog.records if r.name == "tensorflow"] == [
        "a real warning about the model", "a real error"]


def test_verbose_keeps_everything(caplog):
    tflog.configure(False)
    tflog.configure(True)
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        logging.getLogger("tensorflow").warning("the compiled metrics have yet to be built")
    assert len([r for r in caplog.records if r.name == "tensorflow"]) == 1


def test_quiet_sets_the_cpp_level_unless_the_user_did(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    tflog.configure(False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    tflog.configure(False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
