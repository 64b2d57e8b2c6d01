import io
import tarfile

from seqcase.commands.plots_template import script_from_tarball, template_html


def test_template_inlines_the_scripts_and_keeps_only_the_plot_placeholder():
    html = template_html(["var a = {x: 1};", "document.write('</script>')"])
    assert "<script>var a = {x: 1};</script>" in html
    assert "<\\/script>')</script>" in html
    assert html.count("{plot_divs}") == 1 and "{scripts}" not in html


def test_script_is_read_from_the_npm_tarball(tmp_path):
    tarball = tmp_path / "vega-5.0.0.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        data = b"console.log('vega')"
        info = tarfile.TarInfo("package/build/vega.min.js")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    assert script_from_tarball(tarball, "package/build/vega.min.js") == "console.log('vega')"
