import Foundation
import IoTHubProtocol
import NIOHTTP1

/// `workload` options: the ops to run for this module, and another module to name in the same calls (to be refused).
struct WorkloadOptions: Sendable {
    static let allOps = ["sign", "encrypt", "server-cert", "identity-cert", "trust-bundle", "manifest-trust-bundle", "modules"]
    /// The calls a module makes for itself that name a module; with `--other` they are made again naming that one.
    static let namedOps: Set<String> = ["sign", "encrypt", "server-cert", "identity-cert"]

    var ops: [String] = []
    var other: String?
    var data = "signed by edge-test-module"
    var exitWhenDone = false

    static func parse(_ arguments: [String]) throws -> WorkloadOptions {
        var options = WorkloadOptions()
        var index = 0
        func value(_ flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw ModuleError("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--other": options.other = try value("--other")
            case "--data": options.data = try value("--data")
            case "--exit": options.exitWhenDone = true
            case "all": options.ops += allOps
            case let op where allOps.contains(op): options.ops.append(op)
            case let other: throw ModuleError("unknown workload op \(other)")
            }
            index += 1
        }
        guard !options.ops.isEmpty else { throw ModuleError("no workload op given") }
        return options
    }
}

/// A module using the workload API (`IOTEDGE_WORKLOADURI`) as the SDKs do: sign (for its SAS tokens),
/// encrypt/decrypt, server and identity certificates, trust bundles. One JSON line per call:
/// `{"op", "module" (the module named in the path), "target": "self"|"other", "status", "body", …inputs}`.
struct WorkloadModule: Sendable {
    let workload: EdgeletSocketClient
    let moduleId: String
    let generationId: String
    let hostname: String
    let output: JSONLines

    init(environment: [String: String], output: JSONLines) throws {
        workload = try EdgeletSocketClient(
            uri: try environment.required("IOTEDGE_WORKLOADURI"),
            apiVersion: environment["IOTEDGE_APIVERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? "2022-08-03")
        moduleId = try environment.required("IOTEDGE_MODULEID")
        generationId = try environment.required("IOTEDGE_MODULEGENERATIONID")
        hostname = environment["IOTEDGE_GATEWAYHOSTNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.output = output
    }

    func run(_ options: WorkloadOptions) async {
        var ciphertext: String?
        for op in options.ops {
            await call(op, module: moduleId, target: "self", options: options, ciphertext: &ciphertext)
        }
        if let other = options.other {
            for op in options.ops where WorkloadOptions.namedOps.contains(op) {
                var otherCiphertext = ciphertext
                await call(op, module: other, target: "other", options: options, ciphertext: &otherCiphertext)
            }
        }
        output.emit(["op": "done", "module": .string(moduleId)])
    }

    private func call(_ op: String, module: String, target: String, options: WorkloadOptions, ciphertext: inout String?) async {
        let prefix = "/modules/\(module)/genid/\(generationId)"
        let expiration = JSONValue.string(Date().addingTimeInterval(86_400).ISO8601Format())
        var inputs: JSONObject = [:]
        let answer: EdgeletSocketClient.Answer
        switch op {
        case "sign":
            let data = Data(options.data.utf8).base64EncodedString()
            inputs["data"] = .string(data)
            answer = await workload.call(.POST, "\(prefix)/sign", body: ["keyId": "primary", "algo": "HMACSHA256", "data": .string(data)])
        case "encrypt":
            let plaintext = Data("plaintext of \(moduleId)".utf8).base64EncodedString()
            let iv = Data("edge-test-iv".utf8).base64EncodedString()
            inputs["plaintext"] = .string(plaintext)
            inputs["initializationVector"] = .string(iv)
            answer = await workload.call(.POST, "\(prefix)/encrypt", body: ["plaintext": .string(plaintext), "initializationVector": .string(iv)])
            if target == "self" { ciphertext = answer.body["ciphertext"]?.stringValue }
            emit(op, module, target, inputs, answer)
            // Decrypt what this module encrypted (naming the other module: its own ciphertext, which must be refused).
            let decryptInputs: JSONObject = ["ciphertext": .string(ciphertext ?? ""), "initializationVector": .string(iv)]
            let decrypted = await workload.call(.POST, "\(prefix)/decrypt", body: .object(decryptInputs))
            emit("decrypt", module, target, decryptInputs, decrypted)
            return
        case "server-cert":
            inputs["commonName"] = .string(hostname)
            answer = await workload.call(.POST, "\(prefix)/certificate/server", body: ["commonName": .string(hostname), "expiration": expiration])
        case "identity-cert":
            answer = await workload.call(.POST, "/modules/\(module)/certificate/identity", body: ["expiration": expiration])
        case "trust-bundle":
            answer = await workload.call(.GET, "/trust-bundle")
        case "manifest-trust-bundle":
            answer = await workload.call(.GET, "/manifest-trust-bundle")
        default:
            answer = await workload.call(.GET, "/modules")
        }
        emit(op, module, target, inputs, answer)
    }

    private func emit(_ op: String, _ module: String, _ target: String, _ inputs: JSONObject, _ answer: EdgeletSocketClient.Answer) {
        var line: JSONObject = ["op": .string(op), "module": .string(module), "target": .string(target), "status": .int(Int64(answer.status))]
        for (key, value) in inputs.pairs { line[key] = value }
        line["body"] = answer.body
        output.emit(line)
    }
}
