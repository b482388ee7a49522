"""Fixtures for the acceptance tests: the iothub-emulator started as a real process on IoT Hub's ports (8883, 443).

Run through run.sh, which puts each test file in its own network namespace where the hub's host name resolves to
127.0.0.1, so the fixed ports never collide with anything else.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

HUB = os.environ.get("IOTHUB_EMULATOR_HOSTNAME", "testhub.azure-devices.net")
DPS = os.environ.get("IOTHUB_EMULATOR_DPS_HOSTNAME", "global.azure-devices-provisioning.net")
BINARY = os.environ["IOTHUB_EMULATOR_BIN"]


class Emulator:
    """One emulator process and its data folder; restart() keeps the folder."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.process = None
        self.log_path = os.path.join(data_dir, "emulator.log")
        self.service_connection_string = None

    @property
    def ca_path(self):
        return os.path.join(self.data_dir, "ca.pem")

    @property
    def ca(self):
        with open(self.ca_path) as f:
            return f.read()

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [BINARY, "start", "--data-dir", self.data_dir, "--hostname", HUB, "--dps-hostname", DPS, "--mqtt-port", "8883", "--https-port", "443"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            text = open(self.log_path).read()
            match = re.search(r"service connection string: (\S+)", text)
            if match and "ready" in text.split("service connection string")[-1]:
                self.service_connection_string = match.group(1)
                os.environ["REQUESTS_CA_BUNDLE"] = self.ca_path
                return
            if self.process.poll() is not None:
                raise RuntimeError("iothub-emulator exited: " + text[-2000:])
            time.sleep(0.05)
        raise RuntimeError("iothub-emulator did not become ready: " + open(self.log_path).read()[-2000:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def cli(self, *args, timeout=60):
        """Runs an iothub-emulator client verb; returns its stdout (raises on failure)."""
        result = subprocess.run(
            [BINARY, *args, "--data-dir", self.data_dir, "--https-port", "443"],
            capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"iothub-emulator {' '.join(args)} failed ({result.returncode}): {result.stderr}{result.stdout}")
        return result.stdout

    def cli_json(self, *args, timeout=60):
        return json.loads(self.cli(*args, "--output", "json", timeout=timeout))

    def create_device(self, device_id, *extra):
        device = self.cli_json("device-identity", "create", "--device-id", device_id, *extra)
        key = device["authentication"]["symmetricKey"]["primaryKey"]
        return device, f"HostName={HUB};DeviceId={device_id};SharedAccessKey={key}"


@pytest.fixture
def emulator():
    data_dir = tempfile.mkdtemp(prefix="iothub-emulator-")
    emulator = Emulator(data_dir)
    emulator.start()
    yield emulator
    emulator.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def registry_manager(emulator):
    from azure.iot.hub import IoTHubRegistryManager

    return IoTHubRegistryManager(emulator.service_connection_string)


def wait_for(condition, timeout=15.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()
