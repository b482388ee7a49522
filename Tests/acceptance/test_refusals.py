"""What IoT Hub refuses, the emulator refuses: bad keys, expired tokens, disabled or unknown devices, publishing as
another device, and service calls signed with a wrong policy key. MQTT refusals are checked with paho-mqtt (the
client inside the Python SDK) so the CONNACK code itself is visible."""
import base64
import hashlib
import hmac
import ssl
import threading
import time
import urllib.parse

import paho.mqtt.client as mqtt
import pytest
from azure.iot.hub import IoTHubRegistryManager
from msrest.exceptions import HttpOperationError

from conftest import HUB, wait_for


def sas_token(key, resource, ttl=3600, expiry=None):
    encoded = urllib.parse.quote(resource, safe="")
    se = expiry if expiry is not None else int(time.time()) + ttl
    digest = hmac.new(base64.b64decode(key), f"{encoded}\n{se}".encode(), hashlib.sha256).digest()
    sig = urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
    return f"SharedAccessSignature sr={encoded}&sig={sig}&se={se}"


class Device:
    """A raw MQTT device over TLS: connect result, disconnect seen, SUBACKs."""

    def __init__(self, emulator, device_id, password):
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.result = None
        client = mqtt.Client(client_id=device_id, protocol=mqtt.MQTTv311, clean_session=True)
        client.username_pw_set(f"{HUB}/{device_id}/?api-version=2019-10-01", password)
        context = ssl.create_default_context(cafile=emulator.ca_path)
        client.tls_set_context(context)
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *args: self.disconnected.set()
        self.client = client

    def _on_connect(self, client, userdata, flags, rc):
        self.result = rc
        self.connected.set()

    def connect(self):
        self.client.connect(HUB, 8883, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(10), "no CONNACK"
        return self.result

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def connack(emulator, device_id, password):
    device = Device(emulator, device_id, password)
    try:
        return device.connect()
    finally:
        device.close()


def primary_key(emulator, device_id, *extra):
    device, _ = emulator.create_device(device_id, *extra)
    return device["authentication"]["symmetricKey"]["primaryKey"]


def test_valid_token_is_accepted(emulator):
    key = primary_key(emulator, "good")
    assert connack(emulator, "good", sas_token(key, f"{HUB}/devices/good")) == 0


def test_wrong_key_is_refused(emulator):
    primary_key(emulator, "victim")
    wrong = base64.b64encode(b"\x01" * 32).decode()
    assert connack(emulator, "victim", sas_token(wrong, f"{HUB}/devices/victim")) == 5


def test_expired_token_is_refused(emulator):
    key = primary_key(emulator, "late")
    expired = sas_token(key, f"{HUB}/devices/late", expiry=int(time.time()) - 3600)
    assert connack(emulator, "late", expired) == 5


def test_disabled_device_is_refused(emulator):
    key = primary_key(emulator, "sleeper", "--status", "disabled")
    assert connack(emulator, "sleeper", sas_token(key, f"{HUB}/devices/sleeper")) == 5


def test_unknown_device_is_refused(emulator):
    key = base64.b64encode(b"\x02" * 32).decode()
    assert connack(emulator, "ghost", sas_token(key, f"{HUB}/devices/ghost")) == 5


def test_token_of_another_device_is_refused(emulator):
    key_a = primary_key(emulator, "dev-a")
    primary_key(emulator, "dev-b")
    assert connack(emulator, "dev-b", sas_token(key_a, f"{HUB}/devices/dev-a")) == 5


def test_publishing_as_another_device_closes_the_connection_and_stores_nothing(emulator):
    key_a = primary_key(emulator, "honest")
    primary_key(emulator, "impersonated")
    device = Device(emulator, "honest", sas_token(key_a, f"{HUB}/devices/honest"))
    try:
        assert device.connect() == 0
        device.client.publish("devices/impersonated/messages/events/", b"spoofed", qos=1)
        assert device.disconnected.wait(10), "the emulator kept a connection that published as another device"
    finally:
        device.close()
    stored = emulator.cli("monitor-events", "--from-start", "--timeout", "2", "--output", "json")
    assert stored.strip() == "", f"spoofed telemetry was stored: {stored}"


def test_subscribing_to_another_devices_topics_is_refused(emulator):
    key = primary_key(emulator, "curious")
    primary_key(emulator, "private")
    device = Device(emulator, "curious", sas_token(key, f"{HUB}/devices/curious"))
    granted = []
    subscribed = threading.Event()
    device.client.on_subscribe = lambda client, userdata, mid, qos: (granted.extend(qos), subscribed.set())
    try:
        assert device.connect() == 0
        device.client.subscribe("devices/private/messages/devicebound/#", qos=1)
        assert subscribed.wait(10)
        assert granted == [128]
    finally:
        device.close()


def test_service_call_with_a_bad_policy_key_is_401(emulator):
    parts = dict(p.split("=", 1) for p in emulator.service_connection_string.split(";"))
    wrong = f"HostName={parts['HostName']};SharedAccessKeyName=iothubowner;SharedAccessKey={base64.b64encode(b'x' * 32).decode()}"
    with pytest.raises(HttpOperationError) as raised:
        IoTHubRegistryManager(wrong).get_device("anything")
    assert raised.value.response.status_code == 401
