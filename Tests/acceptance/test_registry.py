"""Registry CRUD and edge deployments through the official azure-iot-hub service SDK, and the CLI's edge verb."""
import json
import os
import tempfile

import pytest
from azure.iot.hub import IoTHubConfigurationManager
from azure.iot.hub.models import ConfigurationContent
from msrest.exceptions import HttpOperationError


def test_device_and_module_crud(registry_manager):
    device = registry_manager.create_device_with_sas("crud-dev", None, None, "enabled")
    assert device.device_id == "crud-dev" and device.status == "enabled"
    assert device.authentication.symmetric_key.primary_key and device.etag

    fetched = registry_manager.get_device("crud-dev")
    assert fetched.authentication.symmetric_key.primary_key == device.authentication.symmetric_key.primary_key
    assert "crud-dev" in [d.device_id for d in registry_manager.get_devices()]

    updated = registry_manager.update_device_with_sas("crud-dev", "*", None, None, "disabled")
    assert updated.status == "disabled" and updated.etag != device.etag

    module = registry_manager.create_module_with_sas("crud-dev", "worker", None, None, None)
    assert module.module_id == "worker" and module.device_id == "crud-dev"
    assert [m.module_id for m in registry_manager.get_modules("crud-dev")] == ["worker"]
    registry_manager.delete_module("crud-dev", "worker")
    assert registry_manager.get_modules("crud-dev") == []

    registry_manager.delete_device("crud-dev")
    with pytest.raises(HttpOperationError) as missing:
        registry_manager.get_device("crud-dev")
    assert missing.value.response.status_code == 404
    assert missing.value.response.headers.get("iothub-errorcode") == "DeviceNotFound"


def test_conflicts_and_stale_etags(registry_manager):
    device = registry_manager.create_device_with_sas("etag-dev", None, None, "enabled")
    with pytest.raises(HttpOperationError) as stale:
        registry_manager.update_device_with_sas("etag-dev", '"not-the-etag"', None, None, "disabled")
    assert stale.value.response.status_code == 412
    assert registry_manager.get_device("etag-dev").status == "enabled"
    assert device.etag


def test_apply_configuration_on_edge_device(emulator):
    emulator.cli("device-identity", "create", "--device-id", "edge-1", "--edge-enabled")
    manager = IoTHubConfigurationManager(emulator.service_connection_string)
    content = ConfigurationContent(modules_content={
        "$edgeAgent": {"properties.desired": {"schemaVersion": "1.1", "modules": {"sensor": {"type": "docker"}}}},
        "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {"r": "FROM /messages/* INTO $upstream"}}},
        "sensor": {"properties.desired": {"rate": 2}},
    })
    manager.apply_configuration_on_edge_device("edge-1", content)

    from azure.iot.hub import IoTHubRegistryManager
    registry = IoTHubRegistryManager(emulator.service_connection_string)
    agent = registry.get_module_twin("edge-1", "$edgeAgent").properties.desired
    assert agent["modules"] == {"sensor": {"type": "docker"}}
    first_version = agent["$version"]
    assert first_version >= 2
    assert registry.get_module_twin("edge-1", "$edgeHub").properties.desired["routes"] == {"r": "FROM /messages/* INTO $upstream"}
    assert registry.get_module_twin("edge-1", "sensor").properties.desired["rate"] == 2

    manifest = {"modulesContent": {"$edgeAgent": {"properties.desired": {"schemaVersion": "1.1", "modules": {}}},
                                   "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": {}}}}}
    path = os.path.join(tempfile.mkdtemp(), "deployment.json")
    with open(path, "w") as f:
        json.dump(manifest, f)
    emulator.cli("edge", "set-modules", "--device-id", "edge-1", "--content", path)
    agent = registry.get_module_twin("edge-1", "$edgeAgent").properties.desired
    assert agent["modules"] == {}
    assert agent["$version"] > first_version


def test_deployment_to_a_non_edge_device_is_refused(emulator):
    emulator.cli("device-identity", "create", "--device-id", "plain-1")
    manager = IoTHubConfigurationManager(emulator.service_connection_string)
    with pytest.raises(HttpOperationError) as refused:
        manager.apply_configuration_on_edge_device("plain-1", ConfigurationContent(modules_content={"$edgeAgent": {"properties.desired": {}}}))
    assert refused.value.response.status_code == 400
