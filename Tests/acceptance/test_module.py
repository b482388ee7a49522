"""A module identity connected with a module connection string: twin and direct-method round trips."""
import threading

from azure.iot.device import IoTHubModuleClient, MethodResponse
from azure.iot.hub.models import CloudToDeviceMethod, Twin, TwinProperties

from conftest import HUB, wait_for


def test_module_twin_and_method(emulator, registry_manager):
    emulator.create_device("gateway-dev")
    module = emulator.cli_json("module-identity", "create", "--device-id", "gateway-dev", "--module-id", "filter")
    key = module["authentication"]["symmetricKey"]["primaryKey"]
    connection_string = f"HostName={HUB};DeviceId=gateway-dev;ModuleId=filter;SharedAccessKey={key}"
    client = IoTHubModuleClient.create_from_connection_string(connection_string, server_verification_cert=emulator.ca)
    client.connect()
    try:
        twin = client.get_twin()
        assert twin["desired"]["$version"] == 1

        client.patch_twin_reported_properties({"state": "running"})
        reported = registry_manager.get_module_twin("gateway-dev", "filter").properties.reported
        assert reported["state"] == "running"
        assert registry_manager.get_twin("gateway-dev").properties.reported.get("state") is None

        got = threading.Event()
        patches = []
        client.on_twin_desired_properties_patch_received = lambda patch: (patches.append(patch), got.set())
        wait_for(lambda: False, timeout=0.5)
        registry_manager.update_module_twin("gateway-dev", "filter", Twin(properties=TwinProperties(desired={"threshold": 30})), "*")
        assert got.wait(15), "no desired patch reached the module"
        assert patches[0]["threshold"] == 30

        def on_method(request):
            client.send_method_response(MethodResponse.create_from_method_request(request, 200, {"module": "filter", "got": request.payload}))

        client.on_method_request_received = on_method
        wait_for(lambda: False, timeout=0.5)
        result = registry_manager.invoke_device_module_method(
            "gateway-dev", "filter", CloudToDeviceMethod(method_name="reset", payload={"hard": True}, response_timeout_in_seconds=10)
        )
        assert result.status == 200
        assert result.payload == {"module": "filter", "got": {"hard": True}}
    finally:
        client.shutdown()
