"""The security subsystem end to end: `aziotctl config apply`, then aziot-keyd, aziot-certd and aziot-identityd as
separate `aziotd` processes on temporary sockets, provisioning against the emulator (manual connection string, manual
SAS key, manual X.509, DPS symmetric key from a group enrollment, DPS X.509), and the official device SDK connecting
with the identity identityd hands out — SAS tokens signed by keyd through the identity's key handle.
"""
import base64
import hashlib
import hmac
import os
import subprocess

import pytest
from azure.iot.device import IoTHubDeviceClient, IoTHubModuleClient, Message, X509

from aziot_device import AziotDevice, AZIOTCTL
from conftest import DPS, HUB, wait_for


@pytest.fixture
def device(emulator):
    aziot = AziotDevice(emulator)
    yield aziot
    aziot.shutdown()


def identity(device):
    status, body = device.call("identityd", "GET", "/identities/identity")
    assert status == 200, body
    assert body["type"] == "aziot"
    return body["spec"]


def connect_and_send(client, text):
    client.connect()
    try:
        client.send_message(Message(text))
    finally:
        client.shutdown()


def make_self_signed(device, name, common_name):
    cert, key = os.path.join(device.root, f"{name}.pem"), os.path.join(device.root, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
         "-days", "30", "-subj", f"/CN={common_name}"],
        check=True, capture_output=True,
    )
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True, capture_output=True).stdout
    return cert, key, hashlib.sha256(der).hexdigest().upper()


def test_manual_connection_string_device_and_module(emulator, registry_manager, device):
    _, connection_string = emulator.create_device("aziot-cs")
    output = device.apply(f'hostname = "my-device"\n\n[provisioning]\nsource = "manual"\nconnection_string = "{connection_string}"\n')
    assert "Azure IoT Identity Service has been configured successfully!" in output
    device.start_all()
    log = device.log("identityd")
    assert log.index("Provisioning starting. Reason: Startup") < log.index("Provisioning complete.") < log.index("Starting server...")

    spec = identity(device)
    assert spec["hubName"] == HUB and spec["gatewayHost"] == HUB and spec["deviceId"] == "aziot-cs"
    assert spec["auth"]["type"] == "sas"
    connect_and_send(IoTHubDeviceClient.create_from_sastoken(device.sas_token(spec), server_verification_cert=emulator.ca), "from keyd")

    # A module identity created in the hub by identityd, keys derived from the master key in keyd.
    status, body = device.call("identityd", "POST", "/identities/modules", {"type": "aziot", "moduleId": "testmodule"})
    assert status == 200, body
    module = body["spec"]
    assert module["moduleId"] == "testmodule" and module["auth"]["type"] == "sas" and module["genId"]
    hub_module = registry_manager.get_module("aziot-cs", "testmodule")
    master_file = os.path.join(
        device.home("keyd"), "keys", "aziotidentitydmasterid-" + hashlib.sha256(b"aziot_identityd_master_id").hexdigest() + ".key"
    )
    with open(master_file, "rb") as f:
        master = f.read()
    expected = base64.b64encode(hmac.new(master, f"testmodule:{module['genId']}:primary".encode(), hashlib.sha256).digest()).decode()
    assert hub_module.authentication.symmetric_key.primary_key == expected
    connect_and_send(IoTHubModuleClient.create_from_sastoken(device.sas_token(module), server_verification_cert=emulator.ca), "module")

    status, body = device.call("identityd", "GET", "/identities/modules?type=aziot")
    assert status == 200 and [m["spec"]["moduleId"] for m in body["identities"]] == ["testmodule"]
    status, body = device.call("identityd", "GET", "/identities/provisioning", api_version="2021-12-01")
    assert status == 200 and body == {"source": "manual", "auth": "sas"}

    # Reprovisioning on demand, through aziotctl.
    result = subprocess.run([AZIOTCTL, "system", "reprovision"], env=device.environment(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Successfully reprovisioned with IoT Hub." in result.stdout


def test_manual_sas_key_and_offline_start(emulator, registry_manager, device):
    created, _ = emulator.create_device("aziot-sas")
    key = created["authentication"]["symmetricKey"]["primaryKey"]
    device.apply(
        f'[provisioning]\nsource = "manual"\niothub_hostname = "{HUB}"\ndevice_id = "aziot-sas"\n\n'
        f'[provisioning.authentication]\nmethod = "sas"\ndevice_id_pk = {{ value = "{key}" }}\n'
    )
    # A principal for the module an agent runs as: identityd creates it in the hub when reconciling.
    with open(os.path.join(device.config_dir("identityd"), "50-agent.toml"), "w") as f:
        f.write('[[principal]]\nuid = 4242\nname = "agent"\nidtype = ["module"]\n')
    device.start_all()
    assert wait_for(lambda: "agent" in [m.module_id for m in registry_manager.get_modules("aziot-sas")], timeout=30)
    spec = identity(device)
    connect_and_send(IoTHubDeviceClient.create_from_sastoken(device.sas_token(spec), server_verification_cert=emulator.ca), "sas")
    status, module = device.call("identityd", "GET", "/identities/modules/agent?type=aziot")
    assert status == 200, module

    # The hub goes away; identityd restarts and still serves the device and the module from its backups.
    emulator.stop()
    device.stop("identityd")
    device.start("identityd")
    assert identity(device)["deviceId"] == "aziot-sas"
    status, offline_module = device.call("identityd", "GET", "/identities/modules/agent?type=aziot")
    assert status == 200, offline_module
    assert offline_module["spec"]["genId"] == module["spec"]["genId"]
    assert offline_module["spec"]["auth"]["keyHandle"]
    emulator.start()


def test_manual_x509_device(emulator, device):
    cert, key, thumbprint = make_self_signed(device, "device", "aziot-x509")
    emulator.cli_json("device-identity", "create", "--device-id", "aziot-x509", "--auth-method", "x509_thumbprint", "--primary-thumbprint", thumbprint)
    device.apply(
        f'[provisioning]\nsource = "manual"\niothub_hostname = "{HUB}"\ndevice_id = "aziot-x509"\n\n'
        f'[provisioning.authentication]\nmethod = "x509"\nidentity_cert = "file://{cert}"\nidentity_pk = "file://{key}"\n'
    )
    device.start_all()
    spec = identity(device)
    assert spec["auth"]["type"] == "x509" and spec["auth"]["certId"] == "device-id" and spec["auth"]["keyHandle"]
    status, body = device.call("certd", "GET", "/certificates/device-id")
    assert status == 200 and body["pem"].strip() == open(cert).read().strip()
    client = IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(cert_file=cert, key_file=key), hostname=spec["hubName"], device_id=spec["deviceId"], server_verification_cert=emulator.ca
    )
    connect_and_send(client, "x509")


def test_dps_symmetric_key_group_enrollment(emulator, registry_manager, device):
    scope = emulator.cli_json("dps", "show")["idScope"]
    emulator.cli_json("dps", "enrollment-group", "create", "--group-id", "fleet", "--attestation", "symmetric-key")
    device_key = emulator.cli("dps", "enrollment-group", "compute-device-key", "--group-id", "fleet", "--registration-id", "dps-0001").strip()
    device.apply(
        f'[provisioning]\nsource = "dps"\nglobal_endpoint = "https://{DPS}"\nid_scope = "{scope}"\n\n'
        f'[provisioning.attestation]\nmethod = "symmetric_key"\nregistration_id = "dps-0001"\nsymmetric_key = {{ value = "{device_key}" }}\n'
    )
    device.start_all()
    assert "Successfully provisioned with DPS." in device.log("identityd")
    spec = identity(device)
    assert spec["hubName"] == HUB and spec["deviceId"] == "dps-0001"
    connect_and_send(IoTHubDeviceClient.create_from_sastoken(device.sas_token(spec), server_verification_cert=emulator.ca), "dps")
    status, info = device.call("identityd", "GET", "/identities/provisioning", api_version="2021-12-01")
    assert status == 200
    assert info["source"] == "dps" and info["auth"] == "symmetric_key" and info["scope_id"] == scope and info["registration_id"] == "dps-0001"

    # A restart uses the backup instead of registering again.
    device.stop("identityd")
    device.start("identityd")
    assert "Provisioned with backup for dps-0001." in device.log("identityd")


def test_dps_x509_individual_enrollment(emulator, device):
    scope = emulator.cli_json("dps", "show")["idScope"]
    cert, key, _ = make_self_signed(device, "dps-device", "dps-x509-01")
    emulator.cli_json("dps", "enrollment", "create", "--registration-id", "dps-x509-01", "--attestation", "x509", "--certificate", cert)
    device.apply(
        f'[provisioning]\nsource = "dps"\nglobal_endpoint = "https://{DPS}"\nid_scope = "{scope}"\n\n'
        f'[provisioning.attestation]\nmethod = "x509"\nregistration_id = "dps-x509-01"\n'
        f'identity_cert = "file://{cert}"\nidentity_pk = "file://{key}"\n'
    )
    device.start_all()
    spec = identity(device)
    assert spec["deviceId"] == "dps-x509-01" and spec["auth"]["type"] == "x509"
    client = IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(cert_file=cert, key_file=key), hostname=spec["hubName"], device_id=spec["deviceId"], server_verification_cert=emulator.ca
    )
    connect_and_send(client, "dps x509")
