from .stamps import main

main()
