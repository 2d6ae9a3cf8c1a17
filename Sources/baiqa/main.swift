print("baiqa")
