"""A device built from its connection string, with the official azure-iot-device SDK, against the emulator."""
import json
import subprocess
import threading

from azure.iot.device import IoTHubDeviceClient, Message, MethodResponse
from azure.iot.hub.models import CloudToDeviceMethod, Twin, TwinProperties

from conftest import BINARY, wait_for


def connect(emulator, connection_string):
    client = IoTHubDeviceClient.create_from_connection_string(connection_string, server_verification_cert=emulator.ca)
    client.connect()
    return client


def test_telemetry_reaches_monitor_events_intact(emulator):
    _, connection_string = emulator.create_device("sensor-1")
    monitor = subprocess.Popen(
        [BINARY, "monitor-events", "--data-dir", emulator.data_dir, "--https-port", "443", "--output", "json", "--count", "1", "--timeout", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert "Monitoring events" in monitor.stderr.readline()
    client = connect(emulator, connection_string)
    try:
        message = Message('{"temperature": 21.5}', message_id="m-1", content_encoding="utf-8", content_type="application/json")
        message.custom_properties["alert"] = "high temp"
        message.custom_properties["a/b"] = "x&y=z"
        client.send_message(message)
        out, _ = monitor.communicate(timeout=40)
    finally:
        client.shutdown()
    event = json.loads(out.strip().splitlines()[-1])
    assert event["deviceId"] == "sensor-1"
    assert event["moduleId"] is None
    system = event["systemProperties"]
    assert system["contentType"] == "application/json"
    assert system["contentEncoding"] == "utf-8"
    assert system["messageId"] == "m-1"
    assert system["connectionDeviceId"] == "sensor-1"
    assert event["applicationProperties"] == {"alert": "high temp", "a/b": "x&y=z"}
    import base64
    assert json.loads(base64.b64decode(event["body"])) == {"temperature": 21.5}


def test_twin_round_trip(emulator, registry_manager):
    _, connection_string = emulator.create_device("twin-dev")
    client = connect(emulator, connection_string)
    try:
        twin = client.get_twin()
        assert twin["desired"]["$version"] == 1
        assert twin["reported"]["$version"] == 1

        client.patch_twin_reported_properties({"firmware": "1.2.3", "temp": 21})
        reported = registry_manager.get_twin("twin-dev").properties.reported
        assert reported["firmware"] == "1.2.3" and reported["temp"] == 21

        received = []
        got = threading.Event()

        def on_patch(patch):
            received.append(patch)
            got.set()

        client.on_twin_desired_properties_patch_received = on_patch
        wait_for(lambda: False, timeout=0.5)  # let the SDK subscribe
        registry_manager.update_twin("twin-dev", Twin(properties=TwinProperties(desired={"interval": 5})), "*")
        assert got.wait(15), "no desired patch arrived"
        assert received[0]["interval"] == 5
        assert received[0]["$version"] >= 2
    finally:
        client.shutdown()


def test_direct_method_round_trip(emulator, registry_manager):
    _, connection_string = emulator.create_device("method-dev")
    client = connect(emulator, connection_string)
    try:
        def on_method(request):
            payload = {"method": request.name, "echo": request.payload}
            client.send_method_response(MethodResponse.create_from_method_request(request, 201, payload))

        client.on_method_request_received = on_method
        wait_for(lambda: False, timeout=0.5)
        result = registry_manager.invoke_device_method(
            "method-dev", CloudToDeviceMethod(method_name="reboot", payload={"delay": 3}, response_timeout_in_seconds=10)
        )
        assert result.status == 201
        assert result.payload == {"method": "reboot", "echo": {"delay": 3}}
    finally:
        client.shutdown()


def test_method_on_offline_device_is_404(emulator, registry_manager):
    from msrest.exceptions import HttpOperationError

    emulator.create_device("offline-dev")
    try:
        registry_manager.invoke_device_method("offline-dev", CloudToDeviceMethod(method_name="x", payload=None, response_timeout_in_seconds=5))
        raise AssertionError("the call should fail")
    except HttpOperationError as error:
        assert error.response.status_code == 404


def test_cloud_to_device_message(emulator):
    _, connection_string = emulator.create_device("c2d-dev")
    emulator.cli("c2d", "send", "--device-id", "c2d-dev", "--data", "hello device", "--message-id", "c2d-1",
                 "--content-type", "text/plain", "--props", "priority=high")
    client = connect(emulator, connection_string)
    try:
        message = client.receive_message(timeout=15)
        assert message is not None, "no C2D message arrived"
        assert message.data == b"hello device"
        assert message.message_id == "c2d-1"
        assert message.content_type == "text/plain"
        assert message.custom_properties.get("priority") == "high"
    finally:
        client.shutdown()
