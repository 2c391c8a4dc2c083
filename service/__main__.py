from service.core.cli import main

main()
