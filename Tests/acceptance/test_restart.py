"""The registry, twins and undelivered cloud-to-device messages survive a restart of the emulator."""
from azure.iot.device import IoTHubDeviceClient
from azure.iot.hub.models import Twin, TwinProperties


def test_state_survives_restart(emulator, registry_manager):
    _, connection_string = emulator.create_device("durable")
    registry_manager.update_twin("durable", Twin(tags={"site": "plant-7"}, properties=TwinProperties(desired={"mode": "eco"})), "*")
    emulator.cli("c2d", "send", "--device-id", "durable", "--data", "kept across restart", "--message-id", "keep-1")

    emulator.restart()

    from azure.iot.hub import IoTHubRegistryManager
    manager = IoTHubRegistryManager(emulator.service_connection_string)
    twin = manager.get_twin("durable")
    assert twin.tags == {"site": "plant-7"}
    assert twin.properties.desired["mode"] == "eco"

    client = IoTHubDeviceClient.create_from_connection_string(connection_string, server_verification_cert=emulator.ca)
    client.connect()
    try:
        assert client.get_twin()["desired"]["mode"] == "eco"
        message = client.receive_message(timeout=15)
        assert message is not None and message.data == b"kept across restart"
    finally:
        client.shutdown()
