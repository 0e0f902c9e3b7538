import time
def test_t(demo, browser):
    t=time.time(); browser.login("lead@northshire-trust.example"); print("login", time.time()-t)
    t=time.time(); r=browser.get("/provider/"); print("home", time.time()-t, r.status_code)
