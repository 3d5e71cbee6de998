"""Language identification: the language of a text, and one model per process however many threads ask at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from monitor.detect.language import detect_language


def test_names_the_language_of_a_text() -> None:
    assert detect_language("The ministry said the elections would be held in October as planned.") == "en"
    assert detect_language("Министерство заявило, что выборы пройдут в октябре, как и планировалось.") == "ru"


def test_too_little_text_has_no_language() -> None:
    assert detect_language("  ok  ") is None


def test_threads_asking_at_once_load_the_model_once() -> None:
    # In a fresh interpreter, so that no earlier test has loaded the model already.
    script = textwrap.dedent(
        """
        import threading
        from monitor.detect import language

        start = threading.Barrier(8)
        def ask():
            start.wait()
            language.detect_language("The ministry said the elections would be held in October.")
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(language._identifier.cache_info().misses)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "1"
