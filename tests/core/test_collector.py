import gc

from belimumab.core.collector import cycle_collector_paused


def test_the_collector_is_paused_inside_and_enabled_again_after():
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
        with cycle_collector_paused():  # nested: the outer block keeps it paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_enabled_again_after_an_error():
    try:
        with cycle_collector_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_left_disabled_stays_disabled():
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_it_pauses_every_call():
    @cycle_collector_paused()
    def view():
        return gc.isenabled()

    assert view() is False and view() is False
    assert gc.isenabled()
