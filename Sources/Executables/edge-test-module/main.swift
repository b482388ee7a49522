import Foundation
import IoTHubProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// edge-test-module: a stand-in edgeAgent and a module using the workload API, for the module-runtime tests and the
// footprint benchmark. It talks to aziot-edged only through the Unix-socket HTTP client and writes one JSON object per
// line on stdout (read back with `docker logs`). Exit status: 0 on SIGTERM/SIGINT, 2 on a usage error.
let usage = """
    usage: edge-test-module agent <scenario JSON | path of a scenario file>
           edge-test-module workload [--other <module>] [--data <text>] [--exit] <op>...
             ops: sign encrypt server-cert identity-cert trust-bundle manifest-trust-bundle modules all
           edge-test-module --version
    """

TerminationSignals.exitOnTermination()
let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
let output = JSONLines()

switch arguments.first {
case "agent":
    guard arguments.count == 2 else { Usage.fail(usage) }
    let scenario: AgentScenario
    do {
        scenario = try AgentScenario.load(arguments[1])
        let agent = try StandInAgent(environment: environment, output: output)
        await agent.run(scenario)
    } catch {
        output.emit(["op": "error", "message": .string("\(error)")])
        Usage.fail("edge-test-module agent: \(error)")
    }
    TerminationSignals.waitForever()
case "workload":
    do {
        let options = try WorkloadOptions.parse(Array(arguments.dropFirst()))
        let module = try WorkloadModule(environment: environment, output: output)
        await module.run(options)
        if options.exitWhenDone { exit(0) }
    } catch {
        output.emit(["op": "error", "message": .string("\(error)")])
        Usage.fail("edge-test-module workload: \(error)\n\(usage)")
    }
    TerminationSignals.waitForever()
case "--version":
    print("edge-test-module \(TestModuleVersion.current)")
default:
    Usage.fail(usage)
}
