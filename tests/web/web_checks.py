"""What every browser test checks on a page it opens: axe-core's accessibility rules."""
import pathlib

AXE = pathlib.Path(__file__).resolve().parents[2] / "tests/servers/node/node_modules/axe-core/axe.min.js"


def serious_accessibility_violations(driver):
    """Runs axe-core in the page; returns its serious and critical violations as one line each,
    or raises RuntimeError when axe could not run. The pages allow no script (CSP): axe is
    injected through the DevTools protocol."""
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));")
    if not isinstance(result, list):
        raise RuntimeError(f"axe-core did not run: {result}")
    return [f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
            for v in result if v.get("impact") in ("serious", "critical")]
